"""FIFO: every trial runs at full fidelity until it ends by itself."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from netsynth.objective import Objective
from netsynth.schedulers.scheduler import CONTINUE, Decision, Placement
from netsynth.strategies.strategy import Candidate
from netsynth.trial_record import TrialRecord


class FIFOScheduler:
    name = "fifo"
    uses_reports = False

    def __init__(self, objective: Objective | None = None) -> None:
        pass

    def promotion(self, history: Sequence[TrialRecord]) -> tuple[TrialRecord, Placement] | None:
        return None

    def assign(self, candidate: Candidate, history: Sequence[TrialRecord]) -> Placement:
        return Placement()

    def on_report(self, trial: TrialRecord, history: Sequence[TrialRecord]) -> Decision:
        return CONTINUE

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name}
