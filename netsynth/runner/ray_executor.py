"""Run trials on Ray: one long-lived actor per slot, each asking for its CPUs and GPUs.

    driver (this process)                      Ray cluster (local, or ``ray://HEAD:10001``)
      RayExecutor ── run(task) ──────────────►  _TrialActor (num_cpus, num_gpus) x workers
         ▲  polls take() / answers decide()      │ trial.report(...) blocks on a decision
         └──────────────── _Mailbox actor ◄──────┘ heartbeats: post(), fire and forget

The objective (the pickled estimator) goes into the object store once and every actor loads
it once, not once per trial. Reports travel back to the driver, which stores them and runs
the scheduler exactly as for local worker processes, so ``Trial.report`` / ``should_stop``
keep their meaning and workers never need the storage URL. A heartbeat written by the driver
means the actor running the trial was alive. An actor that dies mid-trial (its node lost, its
process killed) fails that trial with the process pool's "worker process died" reason, so
``max_retries`` runs the candidate again, on a fresh actor.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
import time
from typing import Any

from netsynth.estimation.estimator import Estimator
from netsynth.outcome import Outcome
from netsynth.runner.heartbeat import evaluate_with_heartbeats
from netsynth.runner.interrupts import InterruptGuard
from netsynth.runner.process_pool import ExecutorError
from netsynth.runner.retries import WORKER_DIED
from netsynth.trial import TrialChannel
from netsynth.trial_record import TrialState
from netsynth.trial_task import TrialReport, TrialTask

log = logging.getLogger("netsynth")

INSTALL_HINT = 'the ray executor needs Ray: pip install "netsynth[ray]"'
_POLL_SECONDS = 0.01  # how often the driver looks for reports while trials run
_OBJECT_STORE_BYTES = 200 * 1024 * 1024  # a local Ray's object store: objectives are small


def import_ray() -> Any:
    """Ray, or an ``ExecutorError`` that says how to install it."""
    try:
        import ray
    except ModuleNotFoundError:
        raise ExecutorError(INSTALL_HINT) from None
    return ray


class _Mailbox:
    """Reports and heartbeats from the actors, until the driver takes them; a report waits
    for the driver's stop/continue decision."""

    def __init__(self) -> None:
        self._inbox: list[tuple[Any, ...]] = []
        self._decided: dict[str, tuple[asyncio.Event, list[bool]]] = {}

    async def post(self, message: tuple[Any, ...]) -> None:
        self._inbox.append(message)

    async def take(self) -> list[tuple[Any, ...]]:
        taken, self._inbox = self._inbox, []
        return taken

    async def ask(self, key: str, message: tuple[Any, ...]) -> bool:
        event, answer = self._decided.setdefault(key, (asyncio.Event(), []))
        self._inbox.append((*message, key))
        await event.wait()
        del self._decided[key]
        return answer[0]

    async def decide(self, key: str, stop: bool) -> None:
        event, answer = self._decided.setdefault(key, (asyncio.Event(), []))
        answer.append(stop)
        event.set()


class _MailboxChannel:
    def __init__(self, mailbox: Any) -> None:
        self._mailbox = mailbox
        self._sent = 0

    def report(
        self,
        task: TrialTask,
        report: TrialReport,
    ) -> bool:
        import ray

        self._sent += 1
        key = f"{task.trial_id}:{self._sent}"
        message = ("report", task.trial_id, report)
        return bool(ray.get(self._mailbox.ask.remote(key, message)))

    def heartbeat(self, task: TrialTask) -> None:
        self._mailbox.post.remote(("heartbeat", task.trial_id))


class _TrialActor:
    def __init__(self, payload: bytes, mailbox: Any, sys_path: list[str]) -> None:
        import cloudpickle

        sys.path[:0] = [p for p in sys_path if p not in sys.path]
        self._estimator = cloudpickle.loads(payload)
        self._mailbox = mailbox

    def pid(self) -> int:
        return os.getpid()

    def run(self, task: TrialTask) -> Outcome:
        return evaluate_with_heartbeats(self._estimator, task, _MailboxChannel(self._mailbox))


class RayExecutor:
    """``workers`` trials at once on the Ray cluster at ``address`` (None: start a local Ray
    with this machine's cores), each with ``num_cpus`` CPUs and ``num_gpus`` GPUs (fractions
    share a GPU)."""

    def __init__(
        self,
        workers: int,
        *,
        address: str | None = None,
        num_cpus: float = 1.0,
        num_gpus: float = 0.0,
    ) -> None:
        if workers < 1:
            raise ValueError(f"workers must be >= 1, got {workers}")
        self.capacity = workers
        self.address, self.num_cpus, self.num_gpus = address, num_cpus, num_gpus
        self._running: dict[Any, tuple[TrialTask, Any]] = {}  # result ref -> (task, actor)
        self._idle: list[Any] = []
        self._started_ray = False

    def start(self, estimator: Estimator, channel: TrialChannel, guard: InterruptGuard) -> None:
        ray = import_ray()
        import cloudpickle

        self._started_ray = False  # a Ray started by an earlier run of this executor is gone
        if not ray.is_initialized():
            if self.address:
                try:
                    ray.init(address=self.address, log_to_driver=False)
                except (ConnectionError, RuntimeError, ValueError) as exc:
                    raise ExecutorError(
                        f"cannot reach the Ray cluster at {self.address} ({exc}); for KubeRay "
                        "use ray://HEAD-SERVICE:10001, or leave --ray-address out for a local Ray"
                    ) from exc
            else:
                ray.init(
                    num_cpus=os.cpu_count() or 1,
                    include_dashboard=False,
                    object_store_memory=_OBJECT_STORE_BYTES,
                    log_to_driver=False,
                )
            self._started_ray = True
        self._ray, self._channel, self._guard = ray, channel, guard
        self._payload = ray.put(cloudpickle.dumps(estimator))  # shipped once
        self._mailbox = ray.remote(_Mailbox).options(num_cpus=0).remote()
        self._actor_class = ray.remote(_TrialActor).options(
            num_cpus=self.num_cpus, num_gpus=self.num_gpus, max_restarts=0
        )

    def submit(self, task: TrialTask) -> None:
        actor = self._idle.pop() if self._idle else self._new_actor()
        self._running[actor.run.remote(task)] = (task, actor)

    def _new_actor(self) -> Any:
        return self._actor_class.remote(self._payload, self._mailbox, list(sys.path))

    def running(self) -> int:
        return len(self._running)

    def actor_pids(self) -> dict[int, int]:
        """The process of the actor running each trial, by trial id (for tests and tools)."""
        return {
            task.trial_id: self._ray.get(actor.pid.remote())
            for task, actor in self._running.values()
        }

    def wait(self, timeout: float) -> list[tuple[TrialTask, Outcome]]:
        deadline = time.monotonic() + timeout
        with self._guard.interruptible():
            while self._running:
                self._relay()
                ready, _ = self._ray.wait(list(self._running), num_returns=1, timeout=_POLL_SECONDS)
                if ready:
                    return [self._collect(ref) for ref in ready]
                if time.monotonic() >= deadline:
                    break
        return []

    def _relay(self) -> None:
        by_id = {task.trial_id: task for task, _ in self._running.values()}
        for message in self._ray.get(self._mailbox.take.remote()):
            task = by_id.get(message[1])
            if message[0] == "heartbeat":
                if task is not None:
                    self._channel.heartbeat(task)
                continue
            _, _, report, key = message
            stop = task is None or self._channel.report(task, report)
            self._mailbox.decide.remote(key, stop)

    def _collect(self, ref: Any) -> tuple[TrialTask, Outcome]:
        task, actor = self._running.pop(ref)
        try:
            outcome: Outcome = self._ray.get(ref)
        except self._ray.exceptions.RayActorError as exc:
            self._ray.kill(actor)
            reason = f"{WORKER_DIED} (Ray actor lost: {type(exc).__name__}) while running the trial"
            log.warning("trial %d: %s", task.number, reason)
            return task, Outcome(TrialState.FAILED, reason=reason, params=dict(task.params))
        self._idle.append(actor)  # its reports were all answered: each waits for a decision
        return task, outcome

    def shutdown(self) -> list[TrialTask]:
        left = [task for task, _ in self._running.values()]
        for _, actor in self._running.values():
            self._ray.kill(actor)
        for actor in [*self._idle, self._mailbox]:
            self._ray.kill(actor)
        self._running.clear()
        self._idle.clear()
        if self._started_ray:
            self._ray.shutdown()
        return left
