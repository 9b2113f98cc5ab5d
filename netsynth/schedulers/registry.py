"""Schedulers by name, for specs and for rebuilding a stored experiment."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from netsynth.objective import Objective
from netsynth.schedulers.curve_extrapolation import CurveExtrapolation
from netsynth.schedulers.fifo import FIFOScheduler
from netsynth.schedulers.hyperband import Hyperband
from netsynth.schedulers.median_stopping import MedianStopping
from netsynth.schedulers.scheduler import Scheduler
from netsynth.schedulers.successive_halving import SuccessiveHalving

SCHEDULERS: dict[str, Callable[..., Scheduler]] = {
    "fifo": FIFOScheduler,
    "median": MedianStopping,
    "asha": SuccessiveHalving,
    "hyperband": Hyperband,
    "curve": CurveExtrapolation,
}


def make_scheduler(config: Mapping[str, Any], objective: Objective | None = None) -> Scheduler:
    """The scheduler ``config`` names (``{"name": "asha", "max_resource": 12, ...}``), judging
    ``objective``; a ValueError that names the setting for anything it cannot take."""
    settings = dict(config)
    name = settings.pop("name", "fifo")
    if name not in SCHEDULERS:
        raise ValueError(f"unknown scheduler {name!r}; available: {', '.join(sorted(SCHEDULERS))}")
    try:
        return SCHEDULERS[name](objective, **settings)
    except TypeError as exc:
        raise ValueError(f"scheduler {name!r}: {exc}") from exc
