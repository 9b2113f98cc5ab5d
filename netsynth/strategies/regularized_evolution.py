"""Regularized (aging) evolution (Real et al., 2019).

The population is the ``population`` most recent finished trials (by trial number): the oldest
dies as each new one arrives, whatever its score — the "aging" that regularizes. A child is a
mutation of the best of ``sample_size`` members drawn at random (the tournament). The first
``population`` trials are random. Every child records its ``parent`` trial number, so lineage
can be traced; with ``dedupe`` a child already tried (or running) is mutated again, up to 20
times, so a small space is not spent on repeats.

Under a rung-based scheduler (ASHA, Hyperband) the trials it stopped at a rung are members too,
and "best" means trained furthest (the last report's step), then the score there; otherwise,
with most trials stopped early, the population would hold too few members for a tournament and
evolution would stay random search.

Everything is a function of the history and the trial number (the tournament is seeded by
``(seed, number)``), so a resumed or distributed experiment proposes what a single run would.

With Pareto objectives (``pareto:`` in the goal) the tournament's winner is drawn among the
sampled members no other sampled member dominates, so the population spreads along the front.
"""

from __future__ import annotations

import bisect
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
from netsynth.trial_history import EveryTrial, FinishedFeed
from netsynth.trial_record import TrialRecord, TrialState

_RETRIES = 20

Entry = tuple[int, tuple[int, float], Point, tuple[float, ...]]  # number, rank, point, objectives


def _number(entry: Entry) -> int:
    return entry[0]


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
        # Read incrementally, so a proposal costs the same after 100,000 trials as after 100:
        # the scored trials ordered by number, and the key of every trial proposed so far.
        self._finished = FinishedFeed()
        self._every = EveryTrial()
        self._scored: list[Entry] = []
        self._keys: set[str] = set()

    def _entry(self, view: Representation, trial: TrialRecord) -> Entry | None:
        """(number, rank, point, objectives) of a ranked trial; the finished-trial feed hands
        each trial here once."""
        if (rank := self._rank(trial)) is None:
            return None
        return (trial.number, rank, view.trial(trial)[0], _oriented(self.context.goal, trial))

    def _rank(self, trial: TrialRecord) -> tuple[int, float] | None:
        """How a trial ranks in a tournament: how far it trained (its last report's step,
        e.g. epochs), then its score there. Under a rung-based scheduler (ASHA, Hyperband)
        most trials are stopped at a low rung, so they join the population too, ranked below
        every trial that trained further."""
        if trial.state is TrialState.PRUNED and trial.rung is None:
            return None  # stopped by a rule without rungs (median, curve): no comparable level
        score = self.context.goal.score(trial, stopped_early=True)
        if score is None:
            return None
        if trial.rung is None or not trial.reports:  # every trial trained alike
            return (0, score)
        return (trial.reports[-1].step, score)

    def propose(
        self, space: SearchSpace, history: Sequence[TrialRecord], numbers: Sequence[int]
    ) -> list[Candidate]:
        view = self._view(space)
        goal = self.context.goal
        self._read(view, history)
        scored, known = self._scored, self._keys
        proposed: set[str] = set()

        def seen(point: Point) -> bool:
            key = view.key(point)
            return key in known or key in proposed

        out = []
        for number in numbers:
            rng = trial_rng(self.seed, number)
            end = bisect.bisect_left(scored, number, key=_number)
            alive = scored[max(0, end - self.population) : end]
            attrs: dict[str, Any]
            if number < self.population or len(alive) < self.sample_size:
                point = view.sample(rng)
                for _ in range(_RETRIES if self.dedupe else 0):
                    if not seen(point):
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
                    if not seen(point):
                        break
                    point = view.mutate(parent[2], rng)
                attrs = {"origin": "mutation", "parent": parent[0]}
            proposed.add(view.key(point))
            out.append(Candidate(view.params(point), attrs))
        return out

    def _read(self, view: Representation, history: Sequence[TrialRecord]) -> None:
        """Bring the scored trials and the known keys up to date with ``history``, reading
        only the trials that are new to them (or all, for a history that does not continue
        the last one)."""
        every = self._every.fresh(history)
        if self._every.restarted:  # not the history read last time: start over
            self._finished, self._scored, self._keys = FinishedFeed(), [], set()
            view.forget_trials()
        if self.dedupe:
            self._keys.update(view.trial(trial)[1] for trial in every)
        for trial in self._finished.fresh(history):
            if (entry := self._entry(view, trial)) is not None:
                bisect.insort(self._scored, entry, key=_number)
