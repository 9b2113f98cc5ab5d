"""The ArchitectureSpace protocol, and the spaces by name.

Every space offers two views (STYLE.md §5): a flat, labelled ``SearchSpace`` of categorical
and numeric choices for generic strategies (random, TPE, ...), with the training
hyperparameters in it too, and structured genotypes for NAS-specific ones (mutation,
morphisms, encodings for predictors). ``decode`` and ``params_of`` translate between them.

``SPACES`` names every space's class. A space class (see ``netsynth.space.space_base``) also
names its genotype class and its builder, so that registering it here is all it takes for
specs, ``genotype_from_dict`` and ``netsynth.nn.build`` to know the new space.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol

import numpy as np

from netsynth.estimation.training_config import TrainingConfig
from netsynth.registry import Registry
from netsynth.space.distributions import ParamValue
from netsynth.space.genotype import Genotype, GenotypeError
from netsynth.space.search_space import SearchSpace
from netsynth.space.space_base import BaseArchitectureSpace


class ArchitectureSpace(Protocol):
    kind: str

    def to_dict(self) -> dict[str, Any]:
        """The space's configuration (``{"type": kind, ...}``), to rebuild it."""
        ...

    def flat(self) -> SearchSpace:
        """The labelled view: architecture choices and training hyperparameters."""
        ...

    def decode(self, params: Mapping[str, ParamValue]) -> tuple[Genotype, TrainingConfig]:
        """The genotype and training configuration that flat ``params`` describe."""
        ...

    def params_of(self, genotype: Genotype, training: TrainingConfig) -> dict[str, ParamValue]:
        """The flat params that decode to ``genotype`` and ``training`` (inverse of decode)."""
        ...

    def sample(self, rng: np.random.Generator) -> Genotype: ...

    def mutate(self, genotype: Genotype, rng: np.random.Generator) -> Genotype:
        """One local change; the result is always a valid member of the space."""
        ...

    def neighbours(self, genotype: Genotype) -> list[Genotype]:
        """Every genotype one local change away."""
        ...

    def encode(self, genotype: Genotype) -> np.ndarray:
        """A fixed-length float vector (e.g. one-hot adjacency + ops) for predictors."""
        ...

    def canonical(self, genotype: Genotype) -> Genotype:
        """The representative of the genotype's equivalence class (isomorphic cells, dead
        branches removed): equivalent architectures have equal canonical forms and hashes."""
        ...

    def repair(self, genotype: Genotype, input_shape: Sequence[int]) -> Genotype:
        """A genotype the input can take (or ``GenotypeError`` if none is near)."""
        ...

    def graph(self, genotype: Genotype) -> dict[str, Any]:
        """``{"nodes": [{"id", "label"}], "edges": [{"source", "target", "label"}], ...}`` for
        drawing; cell spaces give one graph per cell under ``"cells"``."""
        ...


SpaceClass = type[BaseArchitectureSpace[Any, Any]]

# space type -> its class, imported on first use.
SPACES: Registry[SpaceClass] = Registry(
    "space type",
    {
        "chain": "netsynth.space.chain_space:ChainSpace",
        "dag": "netsynth.space.dag_space:DagSpace",
        "cell": "netsynth.space.cell_space:CellSpace",
        "nb201": "netsynth.space.nb201_space:NB201Space",
        "zoo": "netsynth.space.zoo_space:ZooSpace",
        "union": "netsynth.space.union_space:UnionSpace",
        "shortlist": "netsynth.space.shortlist_space:ShortlistSpace",
    },
)


def make_architecture_space(config: Mapping[str, Any]) -> ArchitectureSpace:
    """``make_architecture_space({"type": "cell", "nodes": 4})``."""
    space: ArchitectureSpace = SPACES.resolve(config.get("type", "chain")).from_dict(dict(config))
    return space


def genotype_class(kind: str) -> type[Any]:
    """The genotype class of space ``kind``; a ``GenotypeError`` for a kind without one (the
    union and the shortlist hold other spaces' genotypes)."""
    space = SPACES.get(kind)
    if space is None or space.genotype_class is None:
        known = [name for name, cls in SPACES.items() if cls.genotype_class is not None]
        raise GenotypeError(f"unknown genotype space {kind!r}; available: {', '.join(known)}")
    return space.genotype_class


def builder_target(kind: str) -> str:
    """``"module:function"`` of the builder of space ``kind``'s genotypes (see
    ``netsynth.nn.build``); a ``GenotypeError`` for a kind without one."""
    space = SPACES.get(kind)
    if space is None or space.builder is None:
        raise GenotypeError(f"no builder for genotypes of space {kind!r}")
    return space.builder
