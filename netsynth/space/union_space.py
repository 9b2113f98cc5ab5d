"""The union of architecture spaces: one search over, say, tuned standard architectures and
synthesized chains, on one leaderboard.

The flat view has ``space`` (which member), each member's architecture parameters prefixed
``"<member>."`` and active only under that member (a parameter conditioned within its member
keeps that condition, renamed), then the training parameters once — shared by every member.
Genotypes are the members' own.

>>> import numpy as np
>>> union = UnionSpace(UnionSpaceConfig(of=["zoo", "chain"]))
>>> params = union.flat().sample(np.random.default_rng(1))
>>> genotype, training = union.decode(params)
>>> genotype.to_dict()["space"] == params["space"]
True
>>> union.params_of(genotype, training) == params
True
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import (
    Field,
    SerializerFunctionWrapHandler,
    field_validator,
    model_serializer,
    model_validator,
)

from netsynth.space.architecture_space import ArchitectureSpace, make_architecture_space
from netsynth.space.cell_space import CellSpaceConfig
from netsynth.space.chain_space import ChainSpaceConfig
from netsynth.space.dag_space import DagSpaceConfig
from netsynth.space.distributions import ParamValue
from netsynth.space.genotype import Genotype, GenotypeError
from netsynth.space.nb201_space import NB201SpaceConfig
from netsynth.space.search_space import Condition, checked_params
from netsynth.space.space_base import BaseArchitectureSpace
from netsynth.space.space_kinds import genotype_from_dict
from netsynth.space.training_space import (
    TRAINING_PARAMS,
    FlatBuilder,
    TrainingSpaceConfig,
    training_params,
)
from netsynth.space.zoo_space import ZooSpaceConfig
from netsynth.strict_model import Strict
from netsynth.training_config import TrainingConfig

MemberConfig = Annotated[
    ChainSpaceConfig | DagSpaceConfig | CellSpaceConfig | NB201SpaceConfig | ZooSpaceConfig,
    Field(discriminator="type"),
]
MUTATE_WITHIN_MEMBER = 0.8  # else a fresh sample of another member


class UnionSpaceConfig(Strict):
    """``space: {type: union, of: [zoo, {type: chain, max_layers: 4}], training: ...}``."""

    type: Literal["union"] = "union"
    of: list[MemberConfig] = Field(min_length=1)
    training: TrainingSpaceConfig = TrainingSpaceConfig()

    @field_validator("of", mode="before")
    @classmethod
    def _members(cls, value: Any) -> Any:
        if not isinstance(value, list):
            return value
        members = []
        for index, member in enumerate(value):
            if isinstance(member, str):
                member = {"type": member}
            if isinstance(member, Mapping) and "training" in member:
                raise ValueError(
                    f"of[{index}] ({member.get('type')}): training is shared by every member; "
                    "set it on the union (space.training), not on a member"
                )
            members.append(member)
        return members

    @model_validator(mode="after")
    def _distinct(self) -> UnionSpaceConfig:
        kinds = [member.type for member in self.of]
        repeated = sorted({kind for kind in kinds if kinds.count(kind) > 1})
        if repeated:
            raise ValueError(
                f"of: each space type may appear once, got {', '.join(repeated)} more than once "
                "(put every choice for one type into its single entry)"
            )
        return self

    @model_serializer(mode="wrap")
    def _members_without_training(self, handler: SerializerFunctionWrapHandler) -> Any:
        # Members take the union's training; a dump that reads back must not repeat it.
        data = handler(self)
        if isinstance(data, dict):
            for member in data.get("of", []):
                if isinstance(member, dict):
                    member.pop("training", None)
        return data


class UnionSpace(BaseArchitectureSpace[UnionSpaceConfig, Genotype]):
    """Members' spaces side by side; a trial picks one member and searches within it."""

    def __init__(self, config: UnionSpaceConfig) -> None:
        super().__init__(config)
        rng = np.random.default_rng(0)
        self._encoding_sizes = {
            kind: len(space.encode(space.sample(rng))) for kind, space in self._members.items()
        }

    def _prepare(self) -> None:
        self._members: dict[str, ArchitectureSpace] = {}
        for member in self.config.of:
            shared = member.model_copy(update={"training": self.config.training})
            self._members[member.type] = make_architecture_space(shared.model_dump(mode="json"))

    @property
    def members(self) -> Mapping[str, ArchitectureSpace]:
        return self._members

    # -- the flat view -------------------------------------------------------------------------

    def _add_choices(self, flat: FlatBuilder) -> None:
        flat.add("space", list(self._members))
        searched = "space" in flat.distributions
        for kind, space in self._members.items():
            member = space.flat()
            for name, distribution in member.items():
                if name in TRAINING_PARAMS:
                    continue
                inner = member.conditions.get(name)
                if inner is not None and inner.parent in TRAINING_PARAMS:
                    raise ValueError(f"{kind}.{name} depends on a training parameter")
                flat.distributions[f"{kind}.{name}"] = distribution
                if inner is not None:
                    flat.conditions[f"{kind}.{name}"] = Condition(
                        f"{kind}.{inner.parent}", inner.values
                    )
                elif searched:
                    flat.conditions[f"{kind}.{name}"] = Condition("space", (kind,))

    def _genotype_of(self, values: Mapping[str, ParamValue]) -> Genotype:
        kind = str(values["space"])
        prefix = f"{kind}."
        member = {k[len(prefix) :]: v for k, v in values.items() if k.startswith(prefix)}
        member.update({k: v for k, v in values.items() if k in TRAINING_PARAMS})
        return self._member(kind).decode(member)[0]

    def params_of(self, genotype: Genotype, training: TrainingConfig) -> dict[str, ParamValue]:
        """The member's params of ``genotype`` (its training ones taken once, unprefixed)."""
        kind = _kind_of(genotype)
        member = self._member(kind).params_of(genotype, training)
        params: dict[str, ParamValue] = {"space": kind}
        params.update({f"{kind}.{k}": v for k, v in member.items() if k not in TRAINING_PARAMS})
        params.update(training_params(training, set(self._flat)))
        return checked_params(self._flat, params)

    # -- the structured view -------------------------------------------------------------------

    def mutate(self, genotype: Genotype, rng: np.random.Generator) -> Genotype:
        kind = _kind_of(genotype)
        others = [k for k in self._members if k != kind]
        if others and rng.random() >= MUTATE_WITHIN_MEMBER:
            return self._members[others[int(rng.integers(len(others)))]].sample(rng)
        return self._member(kind).mutate(genotype, rng)

    def neighbours(self, genotype: Genotype) -> list[Genotype]:
        """The member's neighbours (a switch of member is no local change)."""
        return self._member(_kind_of(genotype)).neighbours(genotype)

    def encode(self, genotype: Genotype) -> np.ndarray:
        """One-hot member, then each member's encoding (zeros for the other members)."""
        kind = _kind_of(genotype)
        own = self._member(kind).encode(genotype).astype(np.float32)
        parts = [np.array([k == kind for k in self._members], dtype=np.float32)]
        for other, size in self._encoding_sizes.items():
            parts.append(own if other == kind else np.zeros(size, dtype=np.float32))
        return np.concatenate(parts)

    def canonical(self, genotype: Genotype) -> Genotype:
        return self._member(_kind_of(genotype)).canonical(genotype)

    def repair(self, genotype: Genotype, input_shape: Sequence[int]) -> Genotype:
        return self._member(_kind_of(genotype)).repair(genotype, input_shape)

    def graph(self, genotype: Genotype) -> dict[str, Any]:
        return self._member(_kind_of(genotype)).graph(genotype)

    def check_input(self, input_shape: Sequence[int]) -> None:
        """Every member's input check (members without one take any input)."""
        for space in self._members.values():
            check = getattr(space, "check_input", None)
            if check is not None:
                check(input_shape)

    def genotype_from_dict(self, data: dict[str, Any]) -> Genotype:
        self._member(str(data.get("space")))  # one of the members'
        return genotype_from_dict(data)

    def _member(self, kind: str) -> ArchitectureSpace:
        if kind not in self._members:
            raise GenotypeError(
                f"a {kind!r} genotype is not in this union of {', '.join(self._members)}"
            )
        return self._members[kind]


def _kind_of(genotype: Genotype) -> str:
    return str(genotype.to_dict().get("space", "chain"))


__all__ = ["UnionSpace", "UnionSpaceConfig"]
