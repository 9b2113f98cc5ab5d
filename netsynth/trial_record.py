"""What storage keeps of a trial: an immutable record, its state and its intermediate reports."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

from netsynth.space.distributions import ParamValue


class TrialState(str, enum.Enum):
    """A trial is RUNNING until one guarded transition to a finished state."""

    RUNNING = "RUNNING"
    COMPLETE = "COMPLETE"
    PRUNED = "PRUNED"
    FAILED = "FAILED"

    @property
    def is_finished(self) -> bool:
        return self is not TrialState.RUNNING


# Reasons that start with this prefix mark trials ended by Ctrl-C / SIGTERM / a lost process:
# they are not the objective's fault, so they do not count against ``max_failed_trials``.
INTERRUPTED = "interrupted"
LOST_WORKER = "lost worker"
# A PRUNED trial stopped because the search's time was up, not because it was judged worse:
# its last report is a usable measurement of its candidate.
CLOCK_STOP = "stopped by the clock"
# A FAILED trial that never ran: its candidate's predicted cost could not be made to fit the
# time (see ``netsynth.runner.cost_guard``); not the objective's fault, and never retried.
SKIPPED = "skipped before training"
# attrs key of a retry: the number of the trial whose candidate it runs again
RETRY_OF = "retry_of"


@dataclass(frozen=True)
class Report:
    """One intermediate report: ``trial.report(step, **metrics)``."""

    step: int
    metrics: dict[str, float]


@dataclass(frozen=True)
class TrialRecord:
    """A trial as storage holds it. Finished records never change."""

    id: int
    experiment_id: int
    number: int
    state: TrialState
    params: dict[str, ParamValue] = field(default_factory=dict)
    distributions: dict[str, dict[str, Any]] = field(default_factory=dict)
    value: float | None = None
    metrics: dict[str, float] = field(default_factory=dict)
    reports: tuple[Report, ...] = ()
    fidelity: dict[str, Any] = field(default_factory=dict)
    bracket: int | None = None
    rung: int | None = None
    reason: str | None = None
    attrs: dict[str, Any] = field(default_factory=dict)
    worker: str | None = None
    created_at: float = 0.0
    finished_at: float | None = None
    heartbeat_at: float | None = None  # the worker's last sign of life while RUNNING

    @property
    def duration(self) -> float | None:
        """Seconds from creation to finish, or None while running."""
        return None if self.finished_at is None else self.finished_at - self.created_at

    @property
    def counts_as_failure(self) -> bool:
        """FAILED through the objective's fault (not an interruption or a lost worker)."""
        if self.state is not TrialState.FAILED:
            return False
        reason = self.reason or ""
        return not reason.startswith((INTERRUPTED, LOST_WORKER, SKIPPED))

    @property
    def stopped_by_clock(self) -> bool:
        return self.state is TrialState.PRUNED and (self.reason or "").startswith(CLOCK_STOP)

    @property
    def skipped(self) -> bool:
        return self.state is TrialState.FAILED and (self.reason or "").startswith(SKIPPED)

    def last_value(self, metric: str) -> float | None:
        """The latest reported value of ``metric``, if any report carried it."""
        for report in reversed(self.reports):
            if metric in report.metrics:
                return report.metrics[metric]
        return None


def lost_worker_reason(trial: TrialRecord, now: float, grace_seconds: float) -> str:
    """Why the reaper failed ``trial``: its worker gave no sign of life for too long."""
    silent = now - (trial.heartbeat_at or trial.created_at)
    worker = f" ({trial.worker})" if trial.worker else ""
    return (
        f"{LOST_WORKER}: no heartbeat from its worker{worker} for {silent:.1f}s "
        f"(grace period {grace_seconds:g}s)"
    )


class TrialOutcome(Protocol):
    """What ranking and counting read of a trial: a ``TrialRecord`` or a ``TrialOutline``."""

    @property
    def id(self) -> int: ...

    @property
    def number(self) -> int: ...

    @property
    def state(self) -> TrialState: ...

    @property
    def value(self) -> float | None: ...

    @property
    def metrics(self) -> Mapping[str, float]: ...


@dataclass(frozen=True)
class TrialOutline:
    """A trial's id, number, state, value and (when asked for) metrics, and nothing else:
    what a leaderboard ranks and ``netsynth ls`` counts. Reading these few columns costs a
    fraction of a full record (params, attrs, reports), which matters at 100,000 trials
    (``Storage.outlines``)."""

    id: int
    number: int
    state: TrialState
    value: float | None
    metrics: dict[str, float] = field(default_factory=dict)


Outcome = TypeVar("Outcome", bound=TrialOutcome)  # a TrialRecord or a TrialOutline
