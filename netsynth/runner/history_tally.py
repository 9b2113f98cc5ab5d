"""Running totals over the trial history, updated with only the trials that newly finished,
so that checking budgets and stopping rules stays cheap with thousands of trials."""

from __future__ import annotations

from collections.abc import Sequence

from netsynth.objective import Objective
from netsynth.trial_history import FinishedFeed
from netsynth.trial_record import TrialRecord, TrialState


class HistoryTally:
    def __init__(self, objective: Objective) -> None:
        self.objective = objective
        self._feed = FinishedFeed()
        self.finished = 0
        self.succeeded = 0  # COMPLETE or PRUNED
        self.failures = 0
        self.last_failure: TrialRecord | None = None
        self.best: TrialRecord | None = None
        self.since_best = 0  # trials finished (COMPLETE) since the best one
        self.compute_seconds = 0.0
        self.repaired = 0  # candidates the cost guard made cheaper before training
        self.skipped = 0  # candidates it could not make fit

    @property
    def running(self) -> int:
        return self._feed.running

    def update(self, history: Sequence[TrialRecord]) -> None:
        for trial in self._feed.fresh(history):
            self.finished += 1
            # A simulated trial (answered from a table) counts the time it stands for.
            simulated = trial.metrics.get("simulated_seconds")
            self.compute_seconds += simulated if simulated is not None else trial.duration or 0.0
            if trial.state in (TrialState.COMPLETE, TrialState.PRUNED):
                self.succeeded += 1
            self.repaired += "cost_repair" in trial.attrs
            self.skipped += trial.skipped
            if trial.counts_as_failure:
                self.failures += 1
                self.last_failure = trial
            if trial.state is TrialState.COMPLETE and trial.value is not None:
                if self.best is None or self.objective.better(trial.value, self.best.value):  # type: ignore[arg-type]
                    self.best, self.since_best = trial, 0
                else:
                    self.since_best += 1
