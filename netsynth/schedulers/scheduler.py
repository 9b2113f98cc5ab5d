"""The Scheduler protocol: HOW MUCH budget a candidate gets, and whether a trial goes on.

Bracket and rung are fields of the trial record, never hidden state, so any process can take
the decisions again from storage: a decision is a function of the trial and the history.
``BaseScheduler`` (``netsynth.schedulers.base``) gives the no-op defaults, so a scheduler
writes only the decisions it takes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from netsynth.candidate import Candidate
from netsynth.trial_record import TrialRecord


@dataclass(frozen=True)
class Decision:
    """What a scheduler says after a report: go on or stop, the rung the trial has now
    reached (None: unchanged) and, when it stops, why (kept as the trial's reason)."""

    stop: bool = False
    rung: int | None = None
    reason: str | None = None


CONTINUE = Decision()


@dataclass(frozen=True)
class Placement:
    """The fidelity a trial runs at (e.g. ``{"epochs": 3}``; empty means full) and where it
    sits in a multi-fidelity schedule."""

    fidelity: dict[str, Any] = field(default_factory=dict)
    bracket: int | None = None
    rung: int | None = None


class Scheduler(Protocol):
    name: str
    uses_reports: bool  # False: on_report is never consulted (and reports cost one write)

    def promotion(self, history: Sequence[TrialRecord]) -> tuple[TrialRecord, Placement] | None:
        """A finished trial whose candidate should run again at a higher fidelity (instead of
        a new candidate), and where; None for a new candidate."""
        ...

    def assign(self, candidate: Candidate, history: Sequence[TrialRecord]) -> Placement: ...

    def on_report(self, trial: TrialRecord, history: Sequence[TrialRecord]) -> Decision:
        """Called after each intermediate report of ``trial`` (its latest report included;
        ``history`` holds ``trial`` as it is now)."""
        ...

    def to_dict(self) -> dict[str, Any]: ...
