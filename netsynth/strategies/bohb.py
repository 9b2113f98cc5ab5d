"""BOHB (Falkner, Klein and Hutter, ICML 2018): Hyperband's brackets with candidates from a
model fitted per budget. Use it with a multi-fidelity scheduler:
``algorithm: {name: bohb}`` and ``scheduler: {name: hyperband, max_resource: ...}``.

The model is Optuna's TPE (BOHB's own is a close relative: a TPE-like ratio of kernel
densities), fitted on the largest budget at which at least ``min_points`` finished trials
have a value: every trial that got that far enters with its value of the objective at that
budget (the first report at or past it; a trial trained in full counts with its final value
when it reported nothing there), trials that stopped below it are left out, and running
trials are the constant liar's. While no step has enough trials the model uses the final
values. Budgets are report steps, so this works with ASHA, Hyperband and median stopping
alike; with the FIFO scheduler it is plain TPE.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from optuna.trial import TrialState as OptunaState

from netsynth.space.search_space import SearchSpace
from netsynth.strategies.context import StrategyContext
from netsynth.strategies.optuna_sampler import TPE, _Outcome
from netsynth.strategies.strategy import Candidate
from netsynth.trial_record import TrialRecord, TrialState
from netsynth.trial_reports import value_at

_FULL = 2**62  # the step a COMPLETE trial counts as having reached


class BOHB(TPE):
    """Settings: ``min_points`` (10; also TPE's ``n_startup_trials`` unless given) and TPE's."""

    name = "bohb"

    def __init__(
        self,
        seed: int = 0,
        *,
        context: StrategyContext | None = None,
        min_points: int = 10,
        **settings: Any,
    ) -> None:
        if min_points < 2:
            raise ValueError(f"min_points must be >= 2, got {min_points}")
        settings.setdefault("n_startup_trials", min_points)
        super().__init__(seed, context=context, **settings)
        self.min_points = int(min_points)
        self.budget: int | None = None  # the report step the model is fitted at; None: final
        self._reached: dict[int, int] = {}  # finished trial id -> its last report step

    def propose(
        self, space: SearchSpace, history: Sequence[TrialRecord], numbers: Sequence[int]
    ) -> list[Candidate]:
        budget = self._budget(history)
        if budget != self.budget:
            self.budget = budget
            self._mirror = None  # every trial's value changes: rebuild the study
        return super().propose(space, history, numbers)

    def _budget(self, history: Sequence[TrialRecord]) -> int | None:
        """The largest report step that at least ``min_points`` finished trials reached (a
        COMPLETE trial reached them all); None: the final values."""
        steps = []
        metric = self.goal.objective.metric
        for trial in history:
            if trial.state not in (TrialState.COMPLETE, TrialState.PRUNED):
                continue
            if trial.id not in self._reached:
                reached = [r.step for r in trial.reports if metric in r.metrics]
                full = trial.state is TrialState.COMPLETE
                self._reached[trial.id] = _FULL if full else max(reached, default=-1)
            if self._reached[trial.id] >= 0:
                steps.append(self._reached[trial.id])
        if len(steps) < self.min_points:
            return None
        steps.sort(reverse=True)
        budget = steps[self.min_points - 1]
        return None if budget == _FULL else budget

    def _outcome(self, trial: TrialRecord) -> _Outcome:
        if trial.state is TrialState.FAILED:
            return _Outcome(OptunaState.FAIL)
        value = None
        if self.budget is not None:
            value = value_at(trial, self.goal.objective.metric, self.budget)
        if value is None and trial.state is TrialState.COMPLETE:
            value = trial.value  # trained in full: its value at every budget
        if value is None or not math.isfinite(value):
            return _Outcome(OptunaState.FAIL)  # stopped below the budget: not in the model
        return _Outcome(OptunaState.COMPLETE, [self._oriented(value)])

    def to_dict(self) -> dict[str, Any]:
        return {**super().to_dict(), "min_points": self.min_points}
