"""Schedulers by name, for specs and for rebuilding a stored experiment.

Each is imported on first use, so that naming ``fifo`` never loads SciPy's curve fitting.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from netsynth.objective import Objective
from netsynth.registry import Registry
from netsynth.schedulers.scheduler import Scheduler

SCHEDULERS: Registry[Callable[..., Scheduler]] = Registry(
    "scheduler",
    {
        "fifo": "netsynth.schedulers.fifo:FIFOScheduler",
        "median": "netsynth.schedulers.median_stopping:MedianStopping",
        "asha": "netsynth.schedulers.successive_halving:SuccessiveHalving",
        "hyperband": "netsynth.schedulers.hyperband:Hyperband",
        "curve": "netsynth.schedulers.curve_extrapolation:CurveExtrapolation",
    },
)


def make_scheduler(config: Mapping[str, Any], objective: Objective | None = None) -> Scheduler:
    """The scheduler ``config`` names (``{"name": "asha", "max_resource": 12, ...}``), judging
    ``objective``; a ValueError that names the setting for anything it cannot take."""
    settings = dict(config)
    name = settings.pop("name", "fifo")
    cls = SCHEDULERS.resolve(name)
    try:
        return cls(objective, **settings)
    except TypeError as exc:
        raise ValueError(f"scheduler {name!r}: {exc}") from exc
