"""What the pages poll to update without a reload: the experiment's summary, its running
trials and their learning curves so far, and a count that says when finished trials changed."""

from __future__ import annotations

from typing import Any

from netsynth.dashboard.model_detail import main_curve_metric
from netsynth.dashboard.plots import learning_curves
from netsynth.dashboard.reader import ExperimentView
from netsynth.dashboard.trial_table import number_or_none


def live_status(view: ExperimentView) -> dict[str, Any]:
    running = view.running
    metric = main_curve_metric(running, view.objective)
    return {
        "summary": view.summary(),
        "finished": len(view.trials) - len(running),
        "running": [
            {
                "number": t.number,
                "architecture": t.attrs.get("architecture"),
                "steps": len(t.reports),
                "last": None if metric is None else number_or_none(t.last_value(metric)),
                "rung": t.rung,
            }
            for t in running
        ],
        "metric": metric,
        "curves": None
        if metric is None
        else learning_curves(running, metric, title=f"{metric} of the models in training"),
    }
