"""A new space is one small class: the base writes sampling, mutation, the flat view's training
part, decode / params_of, to_dict / from_dict, and genotype reading; registering the class is
all specs, ``genotype_from_dict`` and ``build`` need to find it."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pytest
import torch
from torch import nn

from netsynth.nn import build
from netsynth.space.architecture_space import SPACES, make_architecture_space
from netsynth.space.chain_genotype import ChainGenotype, Layer
from netsynth.space.distributions import ParamValue
from netsynth.space.genotype import Genotype, GenotypeError, stable_hash
from netsynth.space.space_base import BaseArchitectureSpace
from netsynth.space.space_kinds import genotype_from_dict
from netsynth.space.training_space import FlatBuilder, TrainingSpaceConfig
from netsynth.strict_model import Strict


@dataclass(frozen=True)
class Width:
    """The genotype of the ladder space: one hidden layer of ``units`` units."""

    units: int

    def to_dict(self) -> dict[str, Any]:
        return {"space": "ladder", "units": self.units}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Width:
        return cls(int(data["units"]))

    def hash(self) -> str:
        return stable_hash(self.to_dict())

    def describe(self) -> str:
        return f"mlp{self.units}"


class LadderConfig(Strict):
    type: Literal["ladder"] = "ladder"
    units: list[int] = [8, 16, 32]
    training: TrainingSpaceConfig = TrainingSpaceConfig()


class LadderSpace(BaseArchitectureSpace[LadderConfig, Width]):
    builder = f"{__name__}:build_ladder"

    def _add_choices(self, flat: FlatBuilder) -> None:
        flat.add("units", self.config.units)

    def _genotype_of(self, values: Mapping[str, ParamValue]) -> Width:
        return Width(int(values["units"]))  # type: ignore[arg-type]

    def _architecture_params(self, genotype: Genotype) -> dict[str, ParamValue]:
        return {"units": self._own(genotype).units}

    def neighbours(self, genotype: Genotype) -> list[Genotype]:
        units = self._own(genotype).units
        return [Width(u) for u in self.config.units if u != units]


def build_ladder(
    genotype: Width, input_shape: tuple[int, ...], num_classes: int, *, width_multiplier: float
) -> nn.Module:
    units = max(1, round(genotype.units * width_multiplier))
    return nn.Sequential(
        nn.Flatten(), nn.Linear(int(np.prod(input_shape)), units), nn.Linear(units, num_classes)
    )


@pytest.fixture
def ladder() -> Iterator[LadderSpace]:
    SPACES.register("ladder", LadderSpace)
    yield make_architecture_space({"type": "ladder", "units": [4, 8]})  # type: ignore[misc]
    SPACES.unregister("ladder")


def test_the_type_arguments_name_the_config_the_genotype_and_the_kind() -> None:
    assert LadderSpace.config_class is LadderConfig and LadderSpace.genotype_class is Width
    assert LadderSpace.kind == "ladder"


def test_a_registered_space_is_made_from_its_config_and_round_trips(ladder: LadderSpace) -> None:
    assert isinstance(ladder, LadderSpace)
    assert ladder.to_dict()["units"] == [4, 8]
    again = make_architecture_space(ladder.to_dict())
    assert again.to_dict() == ladder.to_dict()
    assert LadderSpace.from_dict(ladder.to_dict()).to_dict() == ladder.to_dict()


def test_the_flat_view_holds_its_choices_then_the_training_ones(ladder: LadderSpace) -> None:
    training = FlatBuilder()
    training.add_training(TrainingSpaceConfig())
    assert list(ladder.flat()) == ["units", *training.distributions]


def test_sample_decode_and_params_of_agree(ladder: LadderSpace) -> None:
    rng = np.random.default_rng(0)
    seen = set()
    for _ in range(20):
        params = ladder.flat().sample(rng)
        genotype, training = ladder.decode(params)
        assert genotype.units == params["units"]
        assert ladder.params_of(genotype, training) == params
        seen.add(ladder.sample(rng).units)
    assert seen == {4, 8}


def test_mutate_moves_to_a_neighbour_and_stays_in_a_space_of_one(ladder: LadderSpace) -> None:
    rng = np.random.default_rng(0)
    assert ladder.mutate(Width(4), rng) == Width(8)
    single = LadderSpace(LadderConfig(units=[4]))
    assert single.mutate(Width(4), rng) == Width(4)


def test_genotypes_are_read_and_built_through_the_registry(ladder: LadderSpace) -> None:
    genotype = Width(8)
    assert genotype_from_dict(genotype.to_dict()) == genotype
    assert ladder.genotype_from_dict(genotype.to_dict()) == genotype
    net = build(genotype, (3, 4), 5)
    assert net(torch.zeros(2, 3, 4)).shape == (2, 5)


def test_another_space_genotype_is_refused_by_name(ladder: LadderSpace) -> None:
    training = ladder.decode(ladder.flat().sample(np.random.default_rng(0)))[1]
    with pytest.raises(GenotypeError, match="a ladder space takes ladder genotypes, got Chain"):
        ladder.params_of(ChainGenotype((Layer("dense", 8),)), training)


def test_unknown_kinds_fail_naming_the_known_ones() -> None:
    with pytest.raises(ValueError, match="unknown space type 'ladder'; available: cell, chain"):
        make_architecture_space({"type": "ladder"})
    with pytest.raises(GenotypeError, match="unknown genotype space 'union'; available: chain"):
        genotype_from_dict({"space": "union"})
