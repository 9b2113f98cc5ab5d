"""A worker process: receives trials over a pipe, runs them, sends back reports and outcomes.

Started by ``ProcessPoolExecutor`` as ``python -m netsynth.runner.worker FD`` — a fresh
interpreter, so a crash, an out-of-memory kill or a hung C extension in one trial takes down
only this process, and nothing of the driver's ``__main__`` is re-run here.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from multiprocessing.connection import Connection

from netsynth.estimation.function import FunctionEstimator
from netsynth.runner.heartbeat import evaluate_with_heartbeats
from netsynth.trial_task import TrialReport, TrialTask


class PipeChannel:
    """Sends a trial's reports to the driver and waits for its stop/continue decision."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn
        self._sending = threading.Lock()  # the heartbeat thread sends too

    def _send(self, message: tuple[object, ...]) -> None:
        with self._sending:
            self._conn.send(message)

    def report(
        self,
        task: TrialTask,
        report: TrialReport,
    ) -> bool:
        self._send(("report", task.trial_id, report))
        kind, stop = self._conn.recv()
        assert kind == "decision"
        return bool(stop)

    def heartbeat(self, task: TrialTask) -> None:
        # No answer comes back; the driver writes it to storage when it reads the pipe.
        self._send(("heartbeat", task.trial_id))


def _exit_with_parent(parent: int) -> None:
    # If the driver dies (even by SIGKILL) this worker must not live on as an orphan.
    while True:
        time.sleep(1.0)
        if os.getppid() != parent:
            os._exit(1)


def main(fd: int) -> int:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the driver decides what Ctrl-C means
    threading.Thread(target=_exit_with_parent, args=(os.getppid(),), daemon=True).start()
    conn = Connection(fd)
    _, sys_path, payload = conn.recv()
    sys.path[:0] = [p for p in sys_path if p not in sys.path]
    try:
        import cloudpickle

        estimator = cloudpickle.loads(payload)
        if isinstance(estimator, FunctionEstimator):
            _ = estimator.function  # import the objective now, so a bad reference fails early
    except BaseException as exc:  # noqa: BLE001 - any import-time failure goes to the driver
        conn.send(("init_failed", f"{type(exc).__name__}: {exc}"))
        return 1
    conn.send(("ready",))
    channel = PipeChannel(conn)
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            return 0
        if message[0] == "stop":
            return 0
        task: TrialTask = message[1]
        outcome = evaluate_with_heartbeats(estimator, task, channel)
        conn.send(("done", task.trial_id, outcome))


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1])))
