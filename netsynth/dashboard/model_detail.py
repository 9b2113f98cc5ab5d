"""One model (a trial) in full, for the model page and its JSON: hyperparameters, metrics,
learning curves, provenance, lineage and a TAPAS prediction as a rank score (with what training
measured, once the candidate was retrained)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from netsynth.dashboard.plots import learning_curves
from netsynth.dashboard.reader import ExperimentView
from netsynth.dashboard.trial_table import number_or_none, trial_row
from netsynth.display.trial_detail import lineage
from netsynth.objective import Objective
from netsynth.tapas.rank_quality import rank_quality_note
from netsynth.trial_record import TrialRecord

# What a retrained candidate's entry shows (its weights' path is not for the browser).
FINAL_FIELDS = ("test_acc", "test_loss", "val_acc", "params", "flops", "latency_ms", "epochs")


def curve_metrics(trials: Sequence[TrialRecord]) -> list[str]:
    """Every metric the trials reported along the way, in first-seen order."""
    seen: dict[str, None] = {}
    for trial in trials:
        for report in trial.reports:
            seen.update(dict.fromkeys(report.metrics))
    return list(seen)


def main_curve_metric(trials: Sequence[TrialRecord], objective: Objective) -> str | None:
    """The objective's metric when the trials report it per step, else the first reported."""
    metrics = curve_metrics(trials)
    if objective.metric in metrics:
        return objective.metric
    return metrics[0] if metrics else None


def _numbers(values: Mapping[str, Any]) -> dict[str, float | None]:
    return {str(k): number_or_none(v) for k, v in values.items()}


def _predicted(trial: TrialRecord) -> float | None:
    tapas = trial.attrs.get("tapas")
    if not isinstance(tapas, Mapping):
        return None
    return number_or_none(tapas.get("predicted"))


def _tapas(view: ExperimentView, trial: TrialRecord) -> dict[str, Any] | None:
    """A TAP prediction as what it is: a score that ranks the experiment's predicted
    candidates (its rank among them, with the TAP's measured rank quality), and, when the
    candidate was retrained, the test accuracy training measured. Never shown as an
    accuracy: the trial's own value is the same prediction, not a measurement."""
    score = _predicted(trial)
    if score is None:
        return None
    scores = [s for t in view.trials if (s := _predicted(t)) is not None]
    final = view.final.get(trial.number) or {}
    return {
        "score": score,
        "rank": 1 + sum(other > score for other in scores),
        "of": len(scores),
        "rank_quality": rank_quality_note(),
        "tested_acc": number_or_none(final.get("test_acc")),
    }


def model_detail(view: ExperimentView, trial: TrialRecord) -> dict[str, Any]:
    picked = view.picked
    final = view.final.get(trial.number)
    known = {t.number for t in view.trials}
    parent = trial.attrs.get("parent")
    return {
        "experiment": view.name,
        "row": trial_row(trial, view.final, picked.get("trial") if picked else None),
        "params": dict(trial.params),
        "training": dict(trial.attrs.get("training") or {}),
        "fidelity": dict(trial.fidelity),
        "metrics": _numbers(trial.metrics),
        "provenance": dict(trial.attrs.get("provenance") or {}),
        "origin": trial.attrs.get("origin"),
        "lineage": lineage(view.trials, trial) if "origin" in trial.attrs else None,
        "parent": parent if parent in known else None,
        "children": [t.number for t in view.trials if t.attrs.get("parent") == trial.number],
        "tapas": _tapas(view, trial),
        "final": {k: final[k] for k in FINAL_FIELDS if k in final} if final else None,
        "inherited": trial.attrs.get("inherited"),
        "reports": [{"step": r.step, "metrics": _numbers(r.metrics)} for r in trial.reports],
        "curves": [
            {"metric": metric, "figure": figure}
            for metric in curve_metrics([trial])
            if (figure := learning_curves([trial], metric, title=metric)) is not None
        ],
    }
