"""A shortlist of given architectures, searched together with training hyperparameters.

This is the space of stage 2 of a sequential pipeline (``mode: sequential``): stage 1 searches
architectures with default training hyperparameters, and its top-k architectures become the
shortlist over which stage 2 tunes the training. The flat view is one categorical,
``architecture`` (the number of the trial each architecture came from), plus the training
hyperparameters of ``training``.

>>> from netsynth.space.chain_genotype import ChainGenotype, Layer
>>> space = ShortlistSpace.from_dict({
...     "type": "shortlist",
...     "candidates": [
...         {"trial": 3, "genotype": ChainGenotype((Layer("conv", 8, 3),)).to_dict()},
...         {"trial": 5, "genotype": ChainGenotype((Layer("dense", 16),)).to_dict()},
...     ],
...     "training": {"lr": {"low": 1e-3, "high": 1e-1, "log": True}, "optimizer": "adamw"},
... })
>>> sorted(space.flat())
['architecture', 'augment', 'batch_size', 'lr', 'weight_decay']
>>> genotype, training = space.decode({**space.flat().sample(np.random.default_rng(0))})
>>> genotype.describe() in {c.genotype.describe() for c in space.candidates}
True
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from pydantic import Field

from netsynth.space.distributions import ParamValue
from netsynth.space.genotype import Genotype, GenotypeError
from netsynth.space.space_base import BaseArchitectureSpace
from netsynth.space.space_kinds import genotype_from_dict
from netsynth.space.training_space import FlatBuilder, TrainingSpaceConfig
from netsynth.strict_model import Strict
from netsynth.training_config import TrainingConfig

ARCHITECTURE = "architecture"  # the flat parameter that picks a shortlisted architecture


class ShortlistEntry(Strict):
    trial: int = Field(ge=0)  # the trial the architecture came from
    genotype: dict[str, Any]


class ShortlistSpaceConfig(Strict):
    type: Literal["shortlist"] = "shortlist"
    candidates: list[ShortlistEntry] = Field(min_length=1)
    training: TrainingSpaceConfig = TrainingSpaceConfig()


@dataclass(frozen=True)
class Shortlisted:
    trial: int
    genotype: Genotype


class ShortlistSpace(BaseArchitectureSpace[ShortlistSpaceConfig, Genotype]):
    """Given architectures (already repaired for the data) x training hyperparameters."""

    def _prepare(self) -> None:
        self.candidates = [
            Shortlisted(entry.trial, genotype_from_dict(entry.genotype))
            for entry in self.config.candidates
        ]
        trials = [c.trial for c in self.candidates]
        if len(set(trials)) != len(trials):
            raise ValueError(f"shortlist: trial numbers must be distinct, got {trials}")
        self._by_trial = {c.trial: c for c in self.candidates}
        self._by_hash = {c.genotype.hash(): c for c in self.candidates}

    @classmethod
    def of(
        cls, candidates: Sequence[tuple[int, Genotype]], training: TrainingSpaceConfig
    ) -> ShortlistSpace:
        return cls(
            ShortlistSpaceConfig(
                candidates=[
                    ShortlistEntry(trial=trial, genotype=genotype.to_dict())
                    for trial, genotype in candidates
                ],
                training=training,
            )
        )

    # -- the flat view -------------------------------------------------------------------------

    def _add_choices(self, flat: FlatBuilder) -> None:
        flat.add(ARCHITECTURE, [c.trial for c in self.candidates])

    def _genotype_of(self, values: Mapping[str, ParamValue]) -> Genotype:
        chosen = self._by_trial.get(values[ARCHITECTURE])  # type: ignore[arg-type]
        if chosen is None:
            raise GenotypeError(
                f"architecture={values[ARCHITECTURE]!r} is not on the shortlist "
                f"(trials {', '.join(str(t) for t in self._by_trial)})"
            )
        return chosen.genotype

    def _architecture_params(self, genotype: Genotype) -> dict[str, ParamValue]:
        return {ARCHITECTURE: self._entry(genotype).trial}

    def _entry(self, genotype: Genotype) -> Shortlisted:
        entry = self._by_hash.get(genotype.hash())
        if entry is None:
            raise GenotypeError(f"{genotype.describe()} is not on the shortlist")
        return entry

    # -- the structured view -------------------------------------------------------------------

    def sample(self, rng: np.random.Generator) -> Genotype:
        return self.candidates[int(rng.integers(len(self.candidates)))].genotype

    def neighbours(self, genotype: Genotype) -> list[Genotype]:
        chosen = self._entry(genotype)
        return [c.genotype for c in self.candidates if c is not chosen]

    def encode(self, genotype: Genotype) -> np.ndarray:
        """One-hot position on the shortlist."""
        vector = np.zeros(len(self.candidates), dtype=np.float32)
        vector[self.candidates.index(self._entry(genotype))] = 1.0
        return vector

    def canonical(self, genotype: Genotype) -> Genotype:
        return self._entry(genotype).genotype

    def repair(self, genotype: Genotype, input_shape: Sequence[int]) -> Genotype:
        # Shortlisted genotypes come from trained trials: already repaired for this input.
        return self._entry(genotype).genotype

    def graph(self, genotype: Genotype) -> dict[str, Any]:
        from netsynth.space.architecture_space import make_architecture_space

        kind = str(genotype.to_dict().get("space", "chain"))
        return make_architecture_space({"type": kind}).graph(genotype)


# TrainingConfig: what ``decode`` returns beside the genotype.
__all__ = ["ARCHITECTURE", "ShortlistSpace", "ShortlistSpaceConfig", "TrainingConfig"]
