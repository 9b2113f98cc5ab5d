"""Reading a trial's intermediate reports of a metric: the curve, the value at a step, the
best so far. Schedulers judge trials by them and BOHB fits its model on them, so they live
below both."""

from __future__ import annotations

import math

from netsynth.objective import Objective
from netsynth.trial_record import TrialRecord


def curve(trial: TrialRecord, metric: str) -> tuple[list[int], list[float]]:
    """Steps and finite values of ``metric`` in report order."""
    steps, values = [], []
    for report in trial.reports:
        value = report.metrics.get(metric)
        if value is not None and math.isfinite(value):
            steps.append(report.step)
            values.append(float(value))
    return steps, values


def value_at(trial: TrialRecord, metric: str, step: int) -> float | None:
    """The value of ``metric`` in the first report at or past ``step`` (None if none yet)."""
    for report in trial.reports:
        if report.step >= step:
            value = report.metrics.get(metric)
            if value is not None and math.isfinite(value):
                return float(value)
    return None


def best_until(trial: TrialRecord, objective: Objective, step: int) -> float | None:
    """The best value of the objective among the reports up to ``step``."""
    best: float | None = None
    for report in trial.reports:
        if report.step > step:
            break
        value = report.metrics.get(objective.metric)
        if value is None or not math.isfinite(value):
            continue
        if best is None or objective.better(value, best):
            best = float(value)
    return best


def latest(trial: TrialRecord, metric: str) -> tuple[int, float] | None:
    """The step and value of the latest report carrying ``metric``."""
    for report in reversed(trial.reports):
        value = report.metrics.get(metric)
        if value is not None and math.isfinite(value):
            return report.step, float(value)
    return None
