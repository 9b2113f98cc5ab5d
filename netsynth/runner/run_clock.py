"""The active time of a run, summed across resumes, and the deadlines a time limit sets.

A run's clock counts only the time some driver was working on the experiment: a run stopped
with Ctrl-C and resumed the next day continues from the seconds it had used. The total is
stored in the experiment's attrs (``active_seconds``) at every lifecycle step, so it survives
the process. When the experiment has a time limit, the clock also publishes the deadlines of
this run as wall-clock times in the attrs (``deadlines``), where every process reads them:
workers stop their trials at the search's deadline, the final stage fits its retraining
before the final deadline.

>>> from netsynth.time_limit import TimePlan, format_duration
>>> clock = RunClock(used_before=100.0, plan=TimePlan.for_limit(600))
>>> round(clock.search_left()), round(clock.left())
(300, 500)
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any, Protocol

from netsynth.budget import Budget
from netsynth.errors import ExperimentError
from netsynth.experiment_record import ExperimentRecord
from netsynth.storage.storage import Storage
from netsynth.time_limit import DurationError, TimePlan, format_duration, parse_duration

ACTIVE_SECONDS = "active_seconds"
DEADLINES = "deadlines"


class StoredExperiment(Protocol):
    """What a clock reads and writes: the experiment's record, budget and storage (the
    runner's driver and the user's ``Experiment`` both have them)."""

    @property
    def storage(self) -> Storage: ...

    @property
    def record(self) -> ExperimentRecord: ...

    @property
    def id(self) -> int: ...

    @property
    def budget(self) -> Budget: ...


class RunClock:
    def __init__(self, used_before: float = 0.0, plan: TimePlan | None = None) -> None:
        self.used_before = float(used_before)
        self.plan = plan
        self._started = time.monotonic()

    @classmethod
    def of(cls, experiment: StoredExperiment) -> RunClock:
        """The clock of ``experiment``, continuing from the active time it has stored, with
        the time plan of its budget (None without a time limit)."""
        used = float(experiment.record.attrs.get(ACTIVE_SECONDS, 0.0))
        return cls(used, time_plan(experiment.budget.to_dict()))

    def used(self) -> float:
        """Active seconds of the run so far, earlier runs included."""
        return self.used_before + time.monotonic() - self._started

    def left(self) -> float | None:
        """Seconds until the time limit (negative once past it); None without a limit."""
        return None if self.plan is None else self.plan.limit - self.used()

    def search_left(self) -> float | None:
        """Seconds until the search must end; None without a limit."""
        return None if self.plan is None else self.plan.search_ends_at - self.used()

    def deadlines(self) -> dict[str, float]:
        """Wall-clock times (``time.time()``) at which this run reaches the search's end, the
        start of the export reserve and the limit."""
        if self.plan is None:
            return {}
        now, used = time.time(), self.used()
        plan = self.plan
        return {
            "search": now + plan.search_ends_at - used,
            "final": now + plan.limit - plan.export_reserve - used,
            "limit": now + plan.limit - used,
        }

    def save(self, experiment: StoredExperiment) -> None:
        """Store the active time (and this run's deadlines) with the experiment."""
        attrs: dict[str, Any] = {ACTIVE_SECONDS: self.used()}
        if self.plan is not None:
            attrs[DEADLINES] = self.deadlines()
        experiment.storage.update_experiment(experiment.id, attrs=attrs)


def time_plan(budget: dict[str, Any]) -> TimePlan | None:
    """The time plan of a stored budget, or None when it sets no time limit."""
    limit = budget.get("time_limit")
    if limit is None:
        return None
    return TimePlan.for_limit(
        float(limit), budget.get("max_wall_seconds"), budget.get("final_share")
    )


def deadline(attrs: dict[str, Any], name: str) -> float | None:
    """A published deadline (``"search"``, ``"final"``, ``"limit"``) of the experiment whose
    attrs these are, as a ``time.time()`` value; None when the run has no time limit."""
    value = (attrs.get(DEADLINES) or {}).get(name)
    return None if value is None else float(value)


_BUDGET_OPTIONS = {"time_limit": "time_limit", "timeout": "max_wall_seconds"}


def describe_plan(experiment: StoredExperiment, options: Mapping[str, Any]) -> str | None:
    """How the experiment's time limit will be spent when it runs with ``options`` (the
    arguments of ``Experiment.run``, which override the stored budget), and how much of it
    earlier runs used; None without a limit."""
    budget = dict(experiment.record.config.get("budget", {}))
    for option in ("time_limit", "timeout", "final_share"):
        if options.get(option) is not None:
            budget[_BUDGET_OPTIONS.get(option, option)] = options[option]
    plan = time_plan(budget)
    if plan is None:
        return None
    used = float(experiment.record.attrs.get(ACTIVE_SECONDS, 0.0))
    return plan.describe() + (f" ({format_duration(used)} already used)" if used else "")


def checked_time_limit(
    limit: float | str, timeout: float | None, final_share: float | str | None, budget: Budget
) -> float:
    """Seconds of ``limit`` (``"10m"`` works too), checked against the search's own
    wall-time budget (``timeout``, else the stored ``budget``'s), which must be shorter."""
    try:
        seconds = parse_duration(limit)
        wall = timeout if timeout is not None else budget.max_wall_seconds
        share = final_share if final_share is not None else budget.final_share
        TimePlan.for_limit(seconds, wall, share)
    except DurationError as exc:
        raise ExperimentError(f"time_limit: {exc}") from None
    return seconds
