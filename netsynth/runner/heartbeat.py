"""Heartbeats: the process that runs a trial says every few seconds that it is alive.

The heartbeat goes the same way as the trial's reports, through its ``TrialChannel``: inline,
straight to storage; from a local worker process, over the pipe to the driver, which writes
it. So a heartbeat in storage always means *the process running the trial was alive*: a
stopped (SIGSTOP) or killed worker sends none, even though its driver lives on, and a killed
driver writes none for any of its workers. Every driver's loop, and ``netsynth admin reap``, fails
trials whose heartbeat is older than the grace period (``Storage.reap``).

A lost trial is failed within ``lost_after_seconds + heartbeat_seconds`` plus one pass of a
driver's loop (about a second) of its last heartbeat, as long as any driver of the
experiment runs; ``netsynth admin reap NAME`` does it when none does.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import TracebackType
from typing import Any

from netsynth.estimation.estimator import Estimator
from netsynth.outcome import Outcome, evaluate
from netsynth.trial import Trial, TrialChannel
from netsynth.trial_task import TrialTask

log = logging.getLogger("netsynth")


@dataclass(frozen=True)
class FaultTolerance:
    """How trials are watched and retried; stored in the experiment's config."""

    heartbeat_seconds: float = 5.0  # how often a running trial's worker says it is alive
    lost_after_seconds: float = 60.0  # a trial silent for longer is failed as "lost worker"
    # Lost or crashed trials are re-run with the same candidate up to this many times. 0: a
    # crash is usually the objective's own (out of memory, a bug), and re-running it
    # silently would hide that; set 1-3 for preemptible or flaky machines.
    max_retries: int = 0

    def __post_init__(self) -> None:
        if self.heartbeat_seconds <= 0:
            raise ValueError(f"heartbeat_seconds must be > 0, got {self.heartbeat_seconds}")
        if self.lost_after_seconds < 2 * self.heartbeat_seconds:
            raise ValueError(
                f"lost_after_seconds ({self.lost_after_seconds:g}) must be at least twice "
                f"heartbeat_seconds ({self.heartbeat_seconds:g}), or live trials get reaped"
            )
        if self.max_retries < 0:
            raise ValueError(f"max_retries must be >= 0, got {self.max_retries}")

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> FaultTolerance:
        stored = config.get("fault_tolerance") or {}
        return cls(**{k: v for k, v in stored.items() if k in cls.__dataclass_fields__})

    def to_dict(self) -> dict[str, float | int]:
        return {
            "heartbeat_seconds": self.heartbeat_seconds,
            "lost_after_seconds": self.lost_after_seconds,
            "max_retries": self.max_retries,
        }


class HeartbeatThread:
    """Calls ``beat`` every ``interval`` seconds from a daemon thread while inside ``with``.
    A failing beat is logged and tried again next time: a storage hiccup must not end the
    trial."""

    def __init__(self, beat: Callable[[], None], interval: float) -> None:
        self._beat, self._interval = beat, interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="netsynth-heartbeat", daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            try:
                self._beat()
            except Exception as exc:  # noqa: BLE001 - reported, and retried on the next beat
                log.warning(
                    "heartbeat not recorded (%s: %s); trying again", type(exc).__name__, exc
                )

    def __enter__(self) -> HeartbeatThread:
        self._thread.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._stop.set()
        self._thread.join()


def evaluate_with_heartbeats(
    estimator: Estimator, task: TrialTask, channel: TrialChannel
) -> Outcome:
    """Run one trial in this process, sending its heartbeats through ``channel``."""
    with HeartbeatThread(lambda: channel.heartbeat(task), task.heartbeat_seconds):
        return evaluate(estimator, Trial(task, channel))
