"""Median stopping: stop a trial whose best value so far is worse than the median of what
other trials had reached by the same step (Golovin et al. 2017, Google Vizier; Optuna's
``MedianPruner``).

Only trials that already got as far as the step count, so a trial is judged against others
at equal budget; nothing is decided before ``warmup_steps`` or while fewer than
``min_trials`` others reached the step.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence

from netsynth.objective import Objective
from netsynth.schedulers.base import BaseScheduler
from netsynth.schedulers.scheduler import CONTINUE, Decision
from netsynth.trial_record import TrialRecord, TrialState
from netsynth.trial_reports import best_until, latest


class MedianStopping(BaseScheduler):
    name = "median"
    setting_names = ("warmup_steps", "min_trials")

    def __init__(
        self, objective: Objective | None = None, *, warmup_steps: int = 0, min_trials: int = 5
    ) -> None:
        if warmup_steps < 0:
            raise ValueError(f"warmup_steps must be >= 0, got {warmup_steps}")
        if min_trials < 1:
            raise ValueError(f"min_trials must be >= 1, got {min_trials}")
        super().__init__(objective)
        self.warmup_steps = int(warmup_steps)
        self.min_trials = int(min_trials)

    def on_report(self, trial: TrialRecord, history: Sequence[TrialRecord]) -> Decision:
        metric = self.objective.metric
        last = latest(trial, metric)
        if last is None or last[0] < self.warmup_steps:
            return CONTINUE
        step = last[0]
        mine = best_until(trial, self.objective, step)
        others = []
        for other in history:
            if other.id == trial.id or other.state is TrialState.FAILED:
                continue
            reached = latest(other, metric)
            if reached is None or reached[0] < step:
                continue  # has not got this far
            value = best_until(other, self.objective, step)
            if value is not None:
                others.append(value)
        if mine is None or len(others) < self.min_trials:
            return CONTINUE
        median = statistics.median(others)
        if self.objective.better(median, mine):
            return Decision(
                stop=True,
                reason=(
                    f"median stopping: at step {step} its best {metric} {mine:.4g} is worse "
                    f"than the median {median:.4g} of {len(others)} trials at that step"
                ),
            )
        return CONTINUE
