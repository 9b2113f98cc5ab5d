"""FIFO: every trial runs at full fidelity until it ends by itself."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from netsynth.schedulers.scheduler import Decision, Placement
from netsynth.strategies.strategy import Candidate
from netsynth.trial_record import TrialRecord


class FIFOScheduler:
    name = "fifo"
    uses_reports = False

    def assign(self, candidate: Candidate, history: Sequence[TrialRecord]) -> Placement:
        return Placement()

    def on_report(self, trial: TrialRecord, history: Sequence[TrialRecord]) -> Decision:
        return Decision.CONTINUE

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name}
