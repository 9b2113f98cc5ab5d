"""The Executor protocol: WHERE trials run (inline, local worker processes, later Ray).

The search loop submits ``TrialTask``s and collects ``Outcome``s; while a trial runs, its
reports come back through the ``TrialChannel`` the loop hands to ``start``.
"""

from __future__ import annotations

from typing import Protocol

from netsynth.estimation.estimator import Estimator
from netsynth.outcome import Outcome
from netsynth.runner.interrupts import InterruptGuard
from netsynth.trial import TrialChannel
from netsynth.trial_task import TrialTask


class Executor(Protocol):
    capacity: int

    def start(self, estimator: Estimator, channel: TrialChannel, guard: InterruptGuard) -> None: ...

    def submit(self, task: TrialTask) -> None: ...

    def running(self) -> int: ...

    def wait(self, timeout: float) -> list[tuple[TrialTask, Outcome]]:
        """Outcomes of trials that ended (possibly none before ``timeout``)."""
        ...

    def shutdown(self) -> list[TrialTask]:
        """Stop everything; return the tasks that were still running."""
        ...
