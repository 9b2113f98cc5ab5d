"""The union space: a member choice over member spaces, flat and structured views agreeing,
training shared, and configs that would be ambiguous refused."""

from __future__ import annotations

import numpy as np
import pytest
from pydantic import ValidationError

from netsynth.space.architecture_space import make_architecture_space
from netsynth.space.chain_genotype import ChainGenotype, Layer
from netsynth.space.genotype import GenotypeError
from netsynth.space.union_space import UnionSpace, UnionSpaceConfig
from netsynth.space.zoo_genotype import ZooGenotype

UNION = UnionSpace(
    UnionSpaceConfig.model_validate(
        {"of": [{"type": "zoo", "families": ["resnet", "mlp"]}, {"type": "chain", "max_layers": 3}]}
    )
)


def test_decode_and_params_of_round_trip_over_samples() -> None:
    rng = np.random.default_rng(0)
    kinds = set()
    for _ in range(200):
        params = UNION.flat().sample(rng)
        genotype, training = UNION.decode(params)
        kinds.add(genotype.to_dict()["space"])
        assert genotype.to_dict()["space"] == params["space"]
        assert UNION.params_of(genotype, training) == params
        assert UNION.genotype_from_dict(genotype.to_dict()) == genotype
    assert kinds == {"zoo", "chain"}


def test_member_params_are_prefixed_and_keep_their_conditions_renamed() -> None:
    flat = UNION.flat()
    assert flat.conditions["zoo.family"].parent == "space"
    assert flat.conditions["zoo.resnet.variant"].parent == "zoo.family"
    assert flat.conditions["chain.l2.op"].parent == "chain.layers"
    assert "lr" in flat and "zoo.lr" not in flat and "chain.lr" not in flat
    assert "lr" not in flat.conditions  # training is shared by every member


def test_mutate_stays_in_the_space_and_sometimes_switches_member() -> None:
    rng = np.random.default_rng(1)
    training = UNION.decode(UNION.flat().sample(rng))[1]
    genotype = UNION.sample(rng)
    kinds = []
    for _ in range(60):
        genotype = UNION.mutate(genotype, rng)
        UNION.params_of(genotype, training)  # raises if outside the space
        kinds.append(genotype.to_dict()["space"])
    assert set(kinds) == {"zoo", "chain"}


def test_encoding_is_one_hot_member_then_member_encodings() -> None:
    zoo = UNION.encode(ZooGenotype("resnet", "8", 0.5, 1.0))
    chain = UNION.encode(ChainGenotype((Layer("conv", width=16, kernel=3, norm="batch"),)))
    assert len(zoo) == len(chain)
    assert zoo[:2].tolist() == [1.0, 0.0] and chain[:2].tolist() == [0.0, 1.0]


def test_check_input_delegates_to_members() -> None:
    with pytest.raises(GenotypeError, match="resnet"):
        UNION.check_input((13,))
    UNION.check_input((1, 40))
    assert UNION.repair(ZooGenotype("mlp", "1x256", 0.5, 1.0), (13,)).family == "mlp"  # type: ignore[attr-defined]


def test_bare_type_names_registry_and_config_round_trip() -> None:
    space = make_architecture_space({"type": "union", "of": ["zoo", "chain"]})
    assert isinstance(space, UnionSpace)
    assert list(space.members) == ["zoo", "chain"]
    again = make_architecture_space(space.to_dict())  # as a resumed experiment rebuilds it
    assert again.flat() == space.flat()


def test_refuses_repeated_members_and_member_training() -> None:
    with pytest.raises(ValidationError, match="each space type may appear once"):
        UnionSpaceConfig.model_validate({"of": ["chain", {"type": "chain", "max_layers": 2}]})
    with pytest.raises(ValidationError, match="training is shared by every member"):
        UnionSpaceConfig.model_validate({"of": [{"type": "zoo", "training": {"epochs": 2}}]})
    with pytest.raises(GenotypeError, match="not in this union"):
        UnionSpace(UnionSpaceConfig(of=["zoo"])).params_of(  # type: ignore[list-item]
            ChainGenotype(()), UNION.decode(UNION.flat().sample(np.random.default_rng(0)))[1]
        )
