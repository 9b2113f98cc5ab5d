"""The Scheduler protocol: HOW MUCH budget a candidate gets, and whether a trial goes on.

Bracket and rung are fields of the trial record, never hidden state, so any process can take
the decisions again from storage.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from netsynth.strategies.strategy import Candidate
from netsynth.trial_record import TrialRecord


class Decision(str, enum.Enum):
    CONTINUE = "continue"
    STOP = "stop"


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

    def assign(self, candidate: Candidate, history: Sequence[TrialRecord]) -> Placement: ...

    def on_report(self, trial: TrialRecord, history: Sequence[TrialRecord]) -> Decision:
        """Called after each intermediate report of ``trial`` (its latest report included)."""
        ...

    def to_dict(self) -> dict[str, Any]: ...
