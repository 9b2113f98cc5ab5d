"""Regularized (aging) evolution (Real et al., 2019).

The population is the ``population`` most recent finished trials (by trial number): the oldest
dies as each new one arrives, whatever its score — the "aging" that regularizes. A child is a
mutation of the best of ``sample_size`` members drawn at random (the tournament). The first
``population`` trials are random. Every child records its ``parent`` trial number, so lineage
can be traced; with ``dedupe`` a child already tried (or running) is mutated again, up to 20
times, so a small space is not spent on repeats.

Everything is a function of the history and the trial number (the tournament is seeded by
``(seed, number)``), so a resumed or distributed experiment proposes what a single run would.

With Pareto objectives (``pareto:`` in the goal) the tournament's winner is drawn among the
sampled members no other sampled member dominates, so the population spreads along the front.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from netsynth.objective import Direction
from netsynth.space.search_space import SearchSpace
from netsynth.strategies.base import BaseStrategy
from netsynth.strategies.context import StrategyContext
from netsynth.strategies.goal import Goal
from netsynth.strategies.representation import Point, Representation
from netsynth.strategies.strategy import Candidate
from netsynth.trial_record import TrialRecord, TrialState

_RETRIES = 20


def _oriented(goal: Goal, trial: TrialRecord) -> tuple[float, ...]:
    """The trial's objectives, each turned so larger is better; constraint breakers (and
    trials missing an objective) sort below everything."""
    values = goal.values(trial)
    score = goal.score(trial)
    if values is None or score is None or score < -1e11:
        return (-math.inf,) * len(goal.objectives)
    return tuple(
        v if o.direction is Direction.MAXIMIZE else -v
        for v, o in zip(values, goal.objectives, strict=True)
    )


def _dominates(a: tuple[float, ...], b: tuple[float, ...]) -> bool:
    return all(x >= y for x, y in zip(a, b, strict=True)) and a != b


def trial_rng(seed: int, number: int, salt: int = 0) -> np.random.Generator:
    """The generator for trial ``number``'s proposal: independent of everything else."""
    return np.random.default_rng([seed, number, salt])


class RegularizedEvolution(BaseStrategy):
    name = "evolution"
    setting_names = ("population", "sample_size", "dedupe")

    def __init__(
        self,
        seed: int = 0,
        *,
        population: int = 20,
        sample_size: int = 5,
        dedupe: bool = True,
        context: StrategyContext | None = None,
    ) -> None:
        if population < 2:
            raise ValueError(f"population must be >= 2, got {population}")
        if not 1 <= sample_size <= population:
            raise ValueError(
                f"sample_size must be in [1, population={population}], got {sample_size}"
            )
        super().__init__(seed, context=context)
        self.population = int(population)
        self.sample_size = int(sample_size)
        self.dedupe = bool(dedupe)
        self._entries: dict[int, tuple[int, float, Point, tuple[float, ...]]] = {}

    def _entry(
        self, view: Representation, trial: TrialRecord
    ) -> tuple[int, float, Point, tuple[float, ...]] | None:
        """(number, score, point, objectives) of a scored trial, computed once per trial."""
        entry = self._entries.get(trial.id)
        if entry is None and trial.state is TrialState.COMPLETE:
            score = self.context.goal.score(trial)
            if score is not None:
                point = view.trial(trial)[0]
                entry = (trial.number, score, point, _oriented(self.context.goal, trial))
                self._entries[trial.id] = entry
        return entry

    def propose(
        self, space: SearchSpace, history: Sequence[TrialRecord], numbers: Sequence[int]
    ) -> list[Candidate]:
        view = self._view(space)
        goal = self.context.goal
        scored = sorted(entry for trial in history if (entry := self._entry(view, trial)))
        seen = view.trial_keys(history) if self.dedupe else set()
        out = []
        for number in numbers:
            rng = trial_rng(self.seed, number)
            alive = [s for s in scored if s[0] < number][-self.population :]
            attrs: dict[str, Any]
            if number < self.population or len(alive) < self.sample_size:
                point = view.sample(rng)
                for _ in range(_RETRIES if self.dedupe else 0):
                    if view.key(point) not in seen:
                        break
                    point = view.sample(rng)
                attrs = {"origin": "random"}
            else:
                picks = rng.choice(len(alive), size=self.sample_size, replace=False)
                sample = [alive[i] for i in picks]
                if goal.pareto:  # several objectives: any member no other sampled one dominates
                    best = [s for s in sample if not any(_dominates(o[3], s[3]) for o in sample)]
                    parent = best[int(rng.integers(len(best)))]
                else:
                    parent = max(sample, key=lambda s: (s[1], -s[0]))
                point = view.mutate(parent[2], rng)
                for _ in range(_RETRIES if self.dedupe else 0):
                    if view.key(point) not in seen:
                        break
                    point = view.mutate(parent[2], rng)
                attrs = {"origin": "mutation", "parent": parent[0]}
            seen.add(view.key(point))
            out.append(Candidate(view.params(point), attrs))
        return out
