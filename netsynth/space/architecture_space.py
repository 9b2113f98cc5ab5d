"""The ArchitectureSpace protocol, and the spaces by name.

Every space offers two views: a flat, labelled ``SearchSpace`` of categorical
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

from netsynth.space.distributions import ParamValue
from netsynth.space.genotype import Genotype
from netsynth.space.search_space import SearchSpace
from netsynth.space.space_kinds import SPACES
from netsynth.training_config import TrainingConfig


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


def make_architecture_space(config: Mapping[str, Any]) -> ArchitectureSpace:
    """``make_architecture_space({"type": "cell", "nodes": 4})``."""
    space: ArchitectureSpace = SPACES.resolve(config.get("type", "chain")).from_dict(dict(config))
    return space


__all__ = ["SPACES", "ArchitectureSpace", "make_architecture_space"]
