"""Run trials in a pool of local worker processes, one trial per process at a time.

A worker that dies mid-trial (SIGKILL, out of memory, a segfault) fails only that trial; the
pool starts a new worker for the next one.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import signal
import subprocess
import sys
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait

from netsynth.estimation.estimator import Estimator
from netsynth.outcome import Outcome
from netsynth.runner.interrupts import InterruptGuard
from netsynth.runner.retries import WORKER_DIED
from netsynth.trial import TrialChannel
from netsynth.trial_record import TrialState
from netsynth.trial_task import TrialReport, TrialTask

log = logging.getLogger("netsynth")


class ExecutorError(RuntimeError):
    """The executor cannot run trials at all (e.g. the objective cannot reach the workers)."""


@dataclass
class _Worker:
    process: subprocess.Popen[bytes]
    conn: Connection
    task: TrialTask | None = None


def _exit_description(code: int | None) -> str:
    if code is None:
        return "still running"
    if code < 0:
        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exit code {code}"


class ProcessPoolExecutor:
    def __init__(self, workers: int) -> None:
        if workers < 1:
            raise ValueError(f"workers must be >= 1, got {workers}")
        self.capacity = workers
        self._workers: list[_Worker] = []

    def start(self, estimator: Estimator, channel: TrialChannel, guard: InterruptGuard) -> None:
        import cloudpickle

        try:
            self._payload = cloudpickle.dumps(estimator)
        except Exception as exc:
            raise ExecutorError(
                f"the objective cannot be sent to worker processes ({exc}); "
                "define it at module level, or run with one worker"
            ) from exc
        self._channel, self._guard = channel, guard

    def _spawn(self) -> _Worker:
        parent, child = multiprocessing.Pipe(duplex=True)
        process = self._launch(child.fileno())
        child.close()
        worker = _Worker(process, parent)
        self._workers.append(worker)
        try:
            parent.send(("init", list(sys.path), self._payload))
        except OSError:
            pass  # killed before it read the objective: wait() fails its trial as WORKER_DIED
        return worker

    def _launch(self, fd: int) -> subprocess.Popen[bytes]:
        """Start a worker process that talks to the driver over the pipe end ``fd``."""
        return subprocess.Popen(
            [sys.executable, "-m", "netsynth.runner.worker", str(fd)],
            pass_fds=(fd,),
            start_new_session=True,  # Ctrl-C in the terminal reaches the driver only
            env=self._worker_env(),
        )

    def _worker_env(self) -> dict[str, str]:
        # Share the cores: N workers each get cores / N threads unless the user chose.
        threads = str(max(1, (os.cpu_count() or 1) // self.capacity))
        env = dict(os.environ)
        for name in ("NETSYNTH_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
            env.setdefault(name, threads)
        return env

    def submit(self, task: TrialTask) -> None:
        worker = next((w for w in self._workers if w.task is None), None) or self._spawn()
        worker.task = task
        try:
            worker.conn.send(("run", task))
        except OSError:
            pass  # the worker is gone; wait() reports the trial as failed

    def running(self) -> int:
        return sum(1 for w in self._workers if w.task is not None)

    def wait(self, timeout: float) -> list[tuple[TrialTask, Outcome]]:
        busy = {w.conn: w for w in self._workers if w.task is not None}
        if not busy:
            return []
        with self._guard.interruptible():
            ready = wait(list(busy), timeout)
        done: list[tuple[TrialTask, Outcome]] = []
        for conn in ready:
            worker = busy[conn]  # type: ignore[index]
            while worker.task is not None:
                try:
                    if not worker.conn.poll():
                        break
                    message = worker.conn.recv()
                    finished = self._handle(worker, message)
                except (EOFError, OSError):
                    finished = self._lost(worker)
                if finished is not None:
                    done.append(finished)
        return done

    def _handle(
        self, worker: _Worker, message: tuple[object, ...]
    ) -> tuple[TrialTask, Outcome] | None:
        kind = message[0]
        task = worker.task
        assert task is not None
        if kind == "report":
            _, _, report = message
            assert isinstance(report, TrialReport)
            stop = self._channel.report(task, report)
            worker.conn.send(("decision", stop))
        elif kind == "heartbeat":
            self._channel.heartbeat(task)
        elif kind == "done":
            worker.task = None
            return task, message[2]  # type: ignore[return-value]
        elif kind == "init_failed":
            raise ExecutorError(f"a worker process could not load the objective: {message[1]}")
        return None

    def _lost(self, worker: _Worker) -> tuple[TrialTask, Outcome]:
        task = worker.task
        assert task is not None
        worker.task = None
        try:
            code = worker.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            worker.process.kill()
            code = worker.process.wait()
        worker.conn.close()
        self._workers.remove(worker)
        reason = f"{WORKER_DIED} ({_exit_description(code)}) while running the trial"
        log.warning("trial %d: %s", task.number, reason)
        return task, Outcome(TrialState.FAILED, reason=reason, params=dict(task.params))

    def shutdown(self) -> list[TrialTask]:
        left = [w.task for w in self._workers if w.task is not None]
        for worker in self._workers:
            if worker.task is None:
                with contextlib.suppress(OSError):
                    worker.conn.send(("stop",))
            else:
                worker.process.terminate()
        for worker in self._workers:
            try:
                worker.process.wait(timeout=3)
            except subprocess.TimeoutExpired:
                worker.process.kill()
                worker.process.wait()
            worker.conn.close()
        self._workers.clear()
        return left
