"""Run each trial in the driver's own process, one at a time."""

from __future__ import annotations

from netsynth.estimation.estimator import Estimator
from netsynth.outcome import Outcome
from netsynth.runner.heartbeat import evaluate_with_heartbeats
from netsynth.runner.interrupts import InterruptGuard
from netsynth.trial import TrialChannel
from netsynth.trial_task import TrialTask


class InlineExecutor:
    capacity = 1

    def __init__(self) -> None:
        self._queue: list[TrialTask] = []
        self._current: TrialTask | None = None

    def start(self, estimator: Estimator, channel: TrialChannel, guard: InterruptGuard) -> None:
        self._estimator, self._channel, self._guard = estimator, channel, guard

    def submit(self, task: TrialTask) -> None:
        self._queue.append(task)

    def running(self) -> int:
        return len(self._queue)

    def wait(self, timeout: float) -> list[tuple[TrialTask, Outcome]]:
        if not self._queue:
            return []
        task = self._current = self._queue[0]
        with self._guard.interruptible():
            outcome = evaluate_with_heartbeats(self._estimator, task, self._channel)
        self._queue.pop(0)
        self._current = None
        return [(task, outcome)]

    def shutdown(self) -> list[TrialTask]:
        left, self._queue = self._queue, []
        return left
