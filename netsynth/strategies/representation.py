"""How NAS strategies see a candidate: sample, mutate, identify and encode it.

A ``Point`` is a candidate in the form a strategy works on. With an architecture space it is
the genotype plus the searched training hyperparameters: mutation goes through the space's own
``mutate`` (one local change to the genotype) or, in proportion to their number, changes one
training hyperparameter; the key is the canonical genotype's hash plus the training params, so
equivalent cells count as one; the encoding is the space's (e.g. edge one-hots and a path
encoding) followed by the training params. Without an architecture space a point is the flat
params, changed by ``netsynth.space.flat_mutation``. Strategies convert to flat params only
for the candidates they propose, which keeps a proposal cheap.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TypeVar

import numpy as np

from netsynth.space.architecture_space import ArchitectureSpace
from netsynth.space.distributions import ParamValue
from netsynth.space.flat_mutation import encode_params, mutate_params
from netsynth.space.genotype import Genotype
from netsynth.space.search_space import SearchSpace
from netsynth.space.training_space import TRAINING_PARAMS
from netsynth.trial_record import TrialRecord

T = TypeVar("T")


@dataclass(frozen=True)
class Point:
    genotype: Genotype | None  # None without an architecture space
    params: dict[str, ParamValue]  # training params with a genotype; else every flat param


class Representation:
    def __init__(self, space: SearchSpace, architecture: ArchitectureSpace | None) -> None:
        self.space = space
        self.architecture = architecture
        self._training = [n for n in space if n in TRAINING_PARAMS] if architecture else []
        self._training_space = SearchSpace(
            {n: space[n] for n in self._training},
            {n: c for n, c in space.conditions.items() if n in self._training},
        )
        self._architecture_share = 1.0
        if architecture is not None:
            decisions = len(space) - len(self._training)
            self._architecture_share = decisions / max(len(space), 1)
        self._trials: dict[int, tuple[Point, str]] = {}  # trial id -> (point, key)
        # Genotype hashes and encodings, memoized for hashable (frozen) genotypes: a proposal
        # keys and encodes many candidates, and small spaces repeat them often.
        self._hashes: dict[Genotype, str] = {}
        self._encodings: dict[Genotype, np.ndarray] = {}

    # -- conversions ---------------------------------------------------------------------------

    def point(self, params: Mapping[str, ParamValue]) -> Point:
        if self.architecture is None:
            return Point(None, dict(params))
        genotype, _ = self.architecture.decode(params)
        return Point(genotype, {n: params[n] for n in self._training if n in params})

    def params(self, point: Point) -> dict[str, ParamValue]:
        """The flat params of ``point``, as a trial stores them."""
        if point.genotype is None or self.architecture is None:
            return dict(point.params)
        _, training = self.architecture.decode({**self._any_architecture(), **point.params})
        return self.architecture.params_of(point.genotype, training)

    def _any_architecture(self) -> dict[str, ParamValue]:
        """Some architecture params, so that training params alone can be decoded."""
        if not hasattr(self, "_filler"):
            rng = np.random.default_rng(0)
            sample = self.space.sample(rng)
            self._filler = {n: v for n, v in sample.items() if n not in self._training}
        return self._filler

    def trial(self, trial: TrialRecord) -> tuple[Point, str]:
        """A history trial's point and key (cached: a trial's params never change)."""
        cached = self._trials.get(trial.id)
        if cached is None:
            point = self.point(trial.params)
            cached = self._trials[trial.id] = (point, self.key(point))
        return cached

    def forget_trials(self) -> None:
        """Drop the cached points of trials: the next history is another experiment's, whose
        trial ids may repeat these."""
        self._trials.clear()

    def trial_keys(self, history: Sequence[TrialRecord]) -> set[str]:
        return {self.trial(t)[1] for t in history}

    # -- the operations ------------------------------------------------------------------------

    def sample(self, rng: np.random.Generator) -> Point:
        return self.point(self.space.sample(rng))

    def mutate(self, point: Point, rng: np.random.Generator) -> Point:
        """One local change; always a valid member of the space."""
        if point.genotype is None or self.architecture is None:
            return Point(None, mutate_params(self.space, point.params, rng))
        if self._training and rng.random() >= self._architecture_share:
            return Point(point.genotype, mutate_params(self._training_space, point.params, rng))
        return Point(self.architecture.mutate(point.genotype, rng), point.params)

    def key(self, point: Point) -> str:
        """Equal for candidates that train the same network the same way."""
        text = json.dumps(point.params, sort_keys=True)
        if point.genotype is None:
            return text
        return _memo(self._hashes, point.genotype, point.genotype.hash) + text

    def encode(self, point: Point) -> np.ndarray:
        """A fixed-length float vector for predictors."""
        if point.genotype is None or self.architecture is None:
            return encode_params(self.space, point.params)
        architecture = self.architecture
        genotype = point.genotype
        vector = _memo(
            self._encodings,
            genotype,
            lambda: np.asarray(architecture.encode(genotype), dtype=np.float64),
        )
        if not self._training:
            return vector
        return np.concatenate([vector, encode_params(self._training_space, point.params)])


_MEMO_SIZE = 4096  # entries; a cell space's encoding is ~90 KB, so this bounds the memory


def _memo(cache: dict[Genotype, T], genotype: Genotype, compute: Callable[[], T]) -> T:
    """``compute()``, remembered per genotype when the genotype is hashable."""
    try:
        return cache[genotype]
    except KeyError:
        if len(cache) >= _MEMO_SIZE:
            cache.clear()
        value = cache[genotype] = compute()
        return value
    except TypeError:  # an unhashable genotype (lists inside): no memo
        return compute()
