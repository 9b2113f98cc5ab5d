"""Two to four models side by side: a hyperparameter diff, a metrics table and their learning
curves overlaid (the page adds each one's diagram)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from netsynth.dashboard.model_detail import main_curve_metric
from netsynth.dashboard.plots import learning_curves
from netsynth.dashboard.reader import ExperimentView
from netsynth.dashboard.trial_table import COLUMNS, trial_row
from netsynth.trial_record import TrialRecord

MIN_MODELS, MAX_MODELS = 2, 4
METRIC_COLUMNS = (
    "state",
    "value",
    "test_acc",
    "param_count",
    "flops",
    "latency_ms",
    "train_seconds",
    "rung",
    "reason",
)


class ComparisonError(ValueError):
    """Fewer than two or more than four models, or one twice."""


def _settings(trial: TrialRecord) -> dict[str, Any]:
    """Hyperparameters, and the training configuration an architecture trial ran with."""
    training = trial.attrs.get("training") or {}
    return {**trial.params, **{f"training.{k}": v for k, v in training.items()}}


def comparison(view: ExperimentView, numbers: Sequence[int]) -> dict[str, Any]:
    if not MIN_MODELS <= len(numbers) <= MAX_MODELS or len(set(numbers)) != len(numbers):
        raise ComparisonError(f"choose {MIN_MODELS} to {MAX_MODELS} different models to compare")
    trials = [view.trial(n) for n in numbers]
    settings = [_settings(t) for t in trials]
    names = list(dict.fromkeys(name for s in settings for name in s))
    picked = view.picked.get("trial") if view.picked else None
    rows = [trial_row(t, view.final, picked) for t in trials]
    metric = main_curve_metric(trials, view.objective)
    return {
        "experiment": view.name,
        "trials": list(numbers),
        "settings": [
            {
                "name": name,
                "values": [s.get(name) for s in settings],
                "differs": len({repr(s.get(name)) for s in settings}) > 1,
            }
            for name in names
        ],
        "metrics": [
            {"name": COLUMNS[key], "key": key, "values": [row[key] for row in rows]}
            for key in METRIC_COLUMNS
        ],
        "curves": None if metric is None else learning_curves(trials, metric, title=metric),
    }
