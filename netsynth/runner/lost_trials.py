"""Trials left RUNNING by a process that no longer exists on this machine.

A driver killed outright (SIGKILL, a power cut) cannot mark its trials; the next driver on
the same host sees that the recorded process is gone and fails them (reason: lost worker).
Trials of other hosts need heartbeats, which the distributed executor brings.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterable

from netsynth.storage.storage import Storage, TrialFinishedError
from netsynth.trial_record import LOST_WORKER, TrialRecord, TrialState

HOST = socket.gethostname()


_worker_ids: dict[int, str] = {}


def worker_id() -> str:
    """How trials record the process that runs them: ``host:pid``."""
    pid = os.getpid()
    if pid not in _worker_ids:
        _worker_ids[pid] = f"{HOST}:{pid}"
    return _worker_ids[pid]


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def fail_lost_trials(storage: Storage, trials: Iterable[TrialRecord]) -> int:
    """Fail RUNNING trials whose worker process on this host is gone; return how many."""
    failed = 0
    for trial in trials:
        if trial.state is not TrialState.RUNNING or not trial.worker:
            continue
        host, _, pid = trial.worker.rpartition(":")
        if host != HOST or not pid.isdigit() or _pid_alive(int(pid)):
            continue
        try:
            storage.finish_trial(
                trial.id,
                TrialState.FAILED,
                reason=f"{LOST_WORKER}: process {pid} on {host} ended without finishing the trial",
            )
            failed += 1
        except TrialFinishedError:
            pass
    return failed
