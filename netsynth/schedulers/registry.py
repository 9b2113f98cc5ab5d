"""Schedulers by name, for specs and for rebuilding a stored experiment."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from netsynth.schedulers.fifo import FIFOScheduler
from netsynth.schedulers.scheduler import Scheduler

SCHEDULERS: dict[str, Callable[..., Scheduler]] = {
    "fifo": FIFOScheduler,
}


def make_scheduler(config: Mapping[str, Any]) -> Scheduler:
    settings = dict(config)
    name = settings.pop("name", "fifo")
    if name not in SCHEDULERS:
        raise ValueError(f"unknown scheduler {name!r}; available: {', '.join(sorted(SCHEDULERS))}")
    try:
        return SCHEDULERS[name](**settings)
    except TypeError as exc:
        raise ValueError(f"scheduler {name!r}: {exc}") from exc
