"""Predictor-guided search, after BANANAS (White et al., 2021).

An ensemble of small MLPs (different initializations) is fitted to the encodings of the
finished trials (the architecture space's encoding, e.g. the path encoding of a cell, followed
by the training hyperparameters) and their scores. Each proposal mutates the best ``parents``
trials into ``candidates`` unseen children and picks the one with the highest acquisition:
independent Thompson sampling (a draw from each child's predicted mean and spread across the
ensemble) or an upper confidence bound. The first ``warmup`` trials are random.

Refitting costs the most, so the ensemble is refitted when the number of finished trials has
grown by ``refit_growth`` (at least by one) since the last fit, on the trials the schedule
names: a function of the history alone, so resumed and uninterrupted runs agree.

``predictor: tap`` ranks with TAPAS's train-less accuracy predictor instead (chain spaces of a
training experiment; see ``tap_ranking``): no warm-up, each proposal predicts ``candidates``
unseen random samples plus as many mutations of the best ``parents`` trials, and proposes the
one with the highest predicted accuracy (greedy: the TAP gives no spread). ``lde``, ``tau`` and
``min_records`` choose its training records as for ``estimator: tapas``.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from netsynth.space.search_space import SearchSpace
from netsynth.strategies.base import BaseStrategy
from netsynth.strategies.context import StrategyContext
from netsynth.strategies.regularized_evolution import trial_rng
from netsynth.strategies.representation import Point, Representation
from netsynth.strategies.strategy import Candidate
from netsynth.strategies.tap_ranking import TAPRanker
from netsynth.trial_record import TrialRecord, TrialState

_FIT_STEPS = 200
_HIDDEN = 32
_LEARNING_RATE = 0.01
_WEIGHT_DECAY = 1e-4


def _fit_sizes(warmup: int, growth: float, limit: int) -> list[int]:
    """The history sizes at which the ensemble is refitted, up to ``limit``."""
    sizes = [max(warmup, 2)]
    while sizes[-1] < limit:
        sizes.append(max(sizes[-1] + 1, math.ceil(sizes[-1] * growth)))
    return sizes


class Ensemble:
    """``members`` two-hidden-layer ReLU MLPs, each from its own initialization, fitted
    together to (x, y) by full-batch Adam on the squared error; ``predict`` gives the mean and
    the spread across members per row. In NumPy, all members in one array per layer: fitting
    is a few milliseconds, where a framework's per-op overhead would dominate such small nets.
    """

    def __init__(self, x: np.ndarray, y: np.ndarray, members: int, seed: int) -> None:
        self.mean_y, self.std_y = float(y.mean()), float(y.std()) or 1.0
        # Only features that vary in the data can inform a fit: a cell space's path encoding
        # has thousands of entries, of which a history touches a few hundred at most.
        self.columns = np.flatnonzero(x.std(axis=0) > 0)
        x = x[:, self.columns]
        rng = np.random.default_rng(seed)
        sizes = [x.shape[1], _HIDDEN, _HIDDEN, 1]
        self.weights = [
            rng.normal(0.0, np.sqrt(2.0 / a), size=(members, a, b))
            for a, b in itertools.pairwise(sizes)
        ]
        self.biases = [np.zeros((members, 1, b)) for b in sizes[1:]]
        target = ((y - self.mean_y) / self.std_y)[None, :, None]
        params = [*self.weights, *self.biases]
        moments = [np.zeros_like(p) for p in params]
        squares = [np.zeros_like(p) for p in params]
        for step in range(1, _FIT_STEPS + 1):
            grads = self._gradients(x, target)
            for p, g, m, v in zip(params, grads, moments, squares, strict=True):
                g = g + _WEIGHT_DECAY * p
                m *= 0.9
                m += 0.1 * g
                v *= 0.999
                v += 0.001 * g * g
                p -= (
                    _LEARNING_RATE * (m / (1 - 0.9**step)) / (np.sqrt(v / (1 - 0.999**step)) + 1e-8)
                )

    def _forward(self, x: np.ndarray) -> list[np.ndarray]:
        """Activations of every layer, (members, rows, width) each; the last is the output."""
        out = [np.broadcast_to(x, (self.weights[0].shape[0], *x.shape))]
        for i, (w, b) in enumerate(zip(self.weights, self.biases, strict=True)):
            z = out[-1] @ w + b
            out.append(np.maximum(z, 0.0) if i < len(self.weights) - 1 else z)
        return out

    def _gradients(self, x: np.ndarray, target: np.ndarray) -> list[np.ndarray]:
        acts = self._forward(x)
        delta = 2.0 * (acts[-1] - target) / x.shape[0]  # d(mean squared error)/d(output)
        grads_w, grads_b = [], []
        for i in range(len(self.weights) - 1, -1, -1):
            grads_w.append(acts[i].transpose(0, 2, 1) @ delta)
            grads_b.append(delta.sum(axis=1, keepdims=True))
            if i:
                delta = (delta @ self.weights[i].transpose(0, 2, 1)) * (acts[i] > 0)
        return [*grads_w[::-1], *grads_b[::-1]]

    def predict(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        rows = (
            self._forward(x[:, self.columns])[-1][:, :, 0] * self.std_y + self.mean_y
        )  # (members, rows)
        return rows.mean(axis=0), rows.std(axis=0)


class PredictorGuided(BaseStrategy):
    name = "bananas"
    setting_names = (
        "warmup",
        "ensemble",
        "parents",
        "candidates",
        "acquisition",
        "refit_growth",
        "predictor",
        "lde",
        "tau",
        "min_records",
    )

    def __init__(
        self,
        seed: int = 0,
        *,
        warmup: int = 10,
        ensemble: int = 5,
        parents: int = 10,
        candidates: int = 100,
        acquisition: str = "its",
        refit_growth: float = 1.2,
        predictor: str = "ensemble",
        lde: str | None = None,
        tau: float = 0.05,
        min_records: int = 100,
        context: StrategyContext | None = None,
    ) -> None:
        if acquisition not in ("its", "ucb"):
            raise ValueError(f"acquisition must be 'its' or 'ucb', got {acquisition!r}")
        if predictor not in ("ensemble", "tap"):
            raise ValueError(f"predictor must be 'ensemble' or 'tap', got {predictor!r}")
        if not 0.0 < tau <= 1.0 or min_records < 1:
            raise ValueError(
                f"tau must be in (0, 1] and min_records >= 1, got {tau}, {min_records}"
            )
        for name, value in (
            ("warmup", warmup),
            ("ensemble", ensemble),
            ("parents", parents),
            ("candidates", candidates),
        ):
            if value < 1:
                raise ValueError(f"{name} must be >= 1, got {value}")
        if refit_growth < 1.0:
            raise ValueError(f"refit_growth must be >= 1, got {refit_growth}")
        super().__init__(seed, context=context)
        self.warmup = int(warmup)
        self.ensemble = int(ensemble)
        self.parents = int(parents)
        self.candidates = int(candidates)
        self.acquisition = acquisition
        self.refit_growth = float(refit_growth)
        self.predictor = predictor
        self.lde, self.tau, self.min_records = lde, float(tau), int(min_records)
        self._ranker = (
            TAPRanker(
                self.context.attrs,
                self.context.architecture,
                lde=lde,
                tau=self.tau,
                min_records=self.min_records,
                seed=self.seed,
            )
            if predictor == "tap"
            else None
        )
        self._model: tuple[tuple[int, ...], Ensemble] | None = None  # (trials fitted on, model)
        self._encodings: dict[int, np.ndarray] = {}  # trial number -> encoding
        self._entries: dict[int, tuple[int, float, Point]] = {}  # trial id -> scored entry

    def _fitted(self, view: Representation, scored: list[tuple[int, float, Point]]) -> Ensemble:
        """The ensemble for the largest scheduled size the history reaches."""
        sizes = _fit_sizes(self.warmup, self.refit_growth, len(scored))
        size = max(s for s in sizes if s <= len(scored))
        chosen = scored[:size]  # by trial number
        key = tuple(number for number, _, _ in chosen)
        if self._model is None or self._model[0] != key:
            x = np.stack([self._encoding(view, number, point) for number, _, point in chosen])
            y = np.array([score for _, score, _ in chosen])
            feasible = y > -1e11
            if feasible.any():  # constraint breakers: just below the worst feasible score
                y = np.where(feasible, y, y[feasible].min() - (np.ptp(y[feasible]) or 1.0))
            self._model = (key, Ensemble(x, y, self.ensemble, self.seed + size))
        return self._model[1]

    def _encoding(self, view: Representation, number: int, point: Point) -> np.ndarray:
        vector = self._encodings.get(number)
        if vector is None:
            vector = self._encodings[number] = view.encode(point)
        return vector

    def _entry(self, view: Representation, trial: TrialRecord) -> tuple[int, float, Point] | None:
        """(number, score, point) of a scored trial, computed once per trial."""
        entry = self._entries.get(trial.id)
        if entry is None and trial.state is TrialState.COMPLETE:
            score = self.context.goal.score(trial)
            if score is not None:
                entry = self._entries[trial.id] = (trial.number, score, view.trial(trial)[0])
        return entry

    def propose(
        self, space: SearchSpace, history: Sequence[TrialRecord], numbers: Sequence[int]
    ) -> list[Candidate]:
        view = self._view(space)
        scored = sorted(entry for t in history if (entry := self._entry(view, t)))
        seen = view.trial_keys(history)
        own = self._ranker.own_records(history) if self._ranker is not None else []
        out = []
        for number in numbers:
            rng = trial_rng(self.seed, number)
            if self._ranker is not None:
                point, attrs = self._choose_by_tap(view, scored, seen, rng, own)
            else:
                point, attrs = self._choose(view, scored, seen, rng)
            seen.add(view.key(point))
            out.append(Candidate(view.params(point), attrs))
        return out

    def _choose(
        self,
        view: Representation,
        scored: list[tuple[int, float, Point]],
        seen: set[str],
        rng: np.random.Generator,
    ) -> tuple[Point, dict[str, Any]]:
        if len(scored) >= max(self.warmup, 2):
            model = self._fitted(view, scored)
            best = sorted(scored, key=lambda s: (-s[1], s[0]))[: self.parents]
            children: dict[str, tuple[Point, int]] = {}
            for i in range(self.candidates * 3):  # unseen children may be scarce near the end
                if len(children) >= self.candidates:
                    break
                parent = best[i % len(best)]
                child = view.mutate(parent[2], rng)
                key = view.key(child)
                if key not in seen and key not in children:
                    children[key] = (child, parent[0])
            if children:
                pool = list(children.values())
                mean, spread = model.predict(np.stack([view.encode(p) for p, _ in pool]))
                if self.acquisition == "its":  # independent Thompson sampling
                    value = rng.normal(mean, spread + 1e-12)
                else:
                    value = mean + spread
                pick = int(np.argmax(value))
                point, parent_number = pool[pick]
                return point, {
                    "origin": "mutation",
                    "parent": parent_number,
                    "predicted": float(mean[pick]),
                }
        point = view.sample(rng)  # warm-up, or every neighbour already tried
        for _ in range(20):
            if view.key(point) not in seen:
                break
            point = view.sample(rng)
        return point, {"origin": "random"}

    def _choose_by_tap(
        self,
        view: Representation,
        scored: list[tuple[int, float, Point]],
        seen: set[str],
        rng: np.random.Generator,
        own: list[tuple[int, Any]],
    ) -> tuple[Point, dict[str, Any]]:
        assert self._ranker is not None
        pool: dict[str, tuple[Point, dict[str, Any]]] = {}
        for _ in range(self.candidates * 3):  # unseen samples may be scarce in a small space
            if len(pool) >= self.candidates:
                break
            point = view.sample(rng)
            if view.key(point) not in seen:
                pool.setdefault(view.key(point), (point, {"origin": "tap"}))
        best = sorted(scored, key=lambda s: (-s[1], s[0]))[: self.parents]
        for i in range(self.candidates if best else 0):
            parent = best[i % len(best)]
            child = view.mutate(parent[2], rng)
            if view.key(child) not in seen:
                pool.setdefault(view.key(child), (child, {"origin": "tap", "parent": parent[0]}))
        if not pool:  # every candidate drawn was tried already
            return view.sample(rng), {"origin": "random"}
        entries = list(pool.values())
        sizes = [0, *_fit_sizes(self.warmup, self.refit_growth, len(own))]
        predicted = self._ranker.predict(view, [p for p, _ in entries], own, sizes)
        pick = int(np.argmax(predicted))
        point, attrs = entries[pick]
        return point, {**attrs, "predicted": float(predicted[pick]), "ranked": len(entries)}
