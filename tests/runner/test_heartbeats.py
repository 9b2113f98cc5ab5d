"""Heartbeats, the reaper and retries: a silent worker's trial is failed as lost, its late
result is ignored, the worker carries on, and a lost trial can run again."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

import netsynth
from netsynth import ExperimentState, TrialState
from netsynth.runner.heartbeat import FaultTolerance
from netsynth.runner.retries import PROPOSED_PARAMS, RETRY_HISTORY, RETRY_OF, pending_retries
from netsynth.storage import TrialDraft, open_storage
from netsynth.trial_record import LOST_WORKER, TrialRecord
from tests.conftest import cli

# Short beats so the test is quick; a grace period of many beats so a busy machine does not
# reap a live trial. The stopped worker is continued long after it must have been reaped.
WATCHED = FaultTolerance(heartbeat_seconds=0.1, lost_after_seconds=1.5)
CONTINUE_AFTER_SECONDS = 6.0
STOPPED_PID_FILE = "NETSYNTH_TEST_STOPPED_PID_FILE"


def objective_that_stops_its_worker_once(trial: netsynth.Trial) -> float:
    x = trial.suggest_float("x", 0, 1)
    trial.attrs["pid"] = os.getpid()
    if trial.number == 1:
        Path(os.environ[STOPPED_PID_FILE]).write_text(str(os.getpid()))
        subprocess.Popen(["sh", "-c", f"sleep {CONTINUE_AFTER_SECONDS}; kill -CONT {os.getpid()}"])
        os.kill(os.getpid(), signal.SIGSTOP)  # resumes here after SIGCONT
    time.sleep(0.3)
    return x


def test_a_stopped_worker_is_reaped_and_its_late_result_ignored_while_it_carries_on(
    sqlite_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    pid_file = tmp_path / "stopped.pid"
    monkeypatch.setenv(STOPPED_PID_FILE, str(pid_file))
    exp = netsynth.create_experiment(storage=sqlite_url, seed=0)
    with caplog.at_level(logging.WARNING, logger="netsynth"):
        state = exp.run(
            objective_that_stops_its_worker_once,
            max_trials=40,
            workers=2,
            progress=False,
            fault_tolerance=WATCHED,
        )
    assert state is ExperimentState.COMPLETED
    stopped = exp.trials()[1]
    assert stopped.state is TrialState.FAILED
    assert (stopped.reason or "").startswith(LOST_WORKER)
    assert "result ignored" in caplog.text
    complete = exp.trials(states=[TrialState.COMPLETE])
    assert len(complete) == 40  # the reaped trial freed its slot in the budget
    stopped_pid = int(pid_file.read_text())
    assert any(t.attrs.get("pid") == stopped_pid and t.number > 1 for t in complete)
    assert not exp.trials(states=[TrialState.RUNNING])


def test_inline_trials_record_heartbeats_while_they_run(sqlite_url: str) -> None:
    exp = netsynth.create_experiment(storage=sqlite_url, seed=0)

    def objective(trial: netsynth.Trial) -> float:
        time.sleep(0.5)
        return trial.suggest_float("x", 0, 1)

    exp.run(objective, max_trials=1, progress=False, fault_tolerance=WATCHED)
    (trial,) = exp.trials()
    assert trial.state is TrialState.COMPLETE
    assert trial.heartbeat_at is not None and trial.heartbeat_at > trial.created_at


def objective_that_kills_its_worker_on_trial_3(trial: netsynth.Trial) -> float:
    x = trial.suggest_float("x", 0, 1)
    if trial.number == 3:
        os.kill(os.getpid(), signal.SIGKILL)
    return x


def test_a_crashed_trial_is_retried_with_the_same_candidate_within_the_budget(
    sqlite_url: str,
) -> None:
    exp = netsynth.create_experiment(storage=sqlite_url, seed=0)
    state = exp.run(
        objective_that_kills_its_worker_on_trial_3,
        max_trials=8,
        workers=2,
        progress=False,
        fault_tolerance=FaultTolerance(max_retries=1),
    )
    assert state is ExperimentState.COMPLETED
    crashed = exp.trials()[3]
    assert crashed.state is TrialState.FAILED
    (retry,) = [t for t in exp.trials() if t.attrs.get(RETRY_OF) == 3]
    assert retry.state is TrialState.COMPLETE
    assert crashed.params == {}  # it died before reporting what it suggested
    assert retry.params == crashed.attrs[PROPOSED_PARAMS]
    assert retry.attrs[RETRY_HISTORY] == [{"trial": 3, "reason": crashed.reason}]
    assert len(exp.trials(states=[TrialState.COMPLETE])) == 8
    assert len(exp.trials()) == 9


def _lost(number: int, **attrs: object) -> TrialRecord:
    return TrialRecord(
        id=number + 1,
        experiment_id=1,
        number=number,
        state=TrialState.FAILED,
        reason=f"{LOST_WORKER}: no heartbeat",
        attrs=dict(attrs),
    )


def test_pending_retries_stop_after_max_retries_attempts() -> None:
    first = _lost(0)
    second = _lost(1, retry_of=0, retry_history=[{"trial": 0, "reason": "x"}])
    third = _lost(
        2, retry_of=1, retry_history=[{"trial": 0, "reason": "x"}, {"trial": 1, "reason": "x"}]
    )
    objective_failure = TrialRecord(
        id=9, experiment_id=1, number=8, state=TrialState.FAILED, reason="ValueError: bad"
    )
    assert pending_retries([first, objective_failure], max_retries=2) == [first]
    assert pending_retries([first, second], max_retries=2) == [second]
    assert pending_retries([first, second, third], max_retries=2) == []
    assert pending_retries([first], max_retries=0) == []


def test_reap_command_fails_silent_trials_of_the_experiment(sqlite_url: str) -> None:
    storage = open_storage(sqlite_url)
    record = storage.create_experiment("watched", {"kind": "test"})
    storage.create_trial(record.id, lambda n: TrialDraft(), worker="far:1")
    time.sleep(0.05)
    result = cli("reap", "watched", "--grace", "0.01", "--storage", sqlite_url)
    assert result.returncode == 0, result.stderr
    assert "1 trial(s) of watched failed as lost" in result.stdout
    (trial,) = storage.trials(record.id)
    assert trial.state is TrialState.FAILED
    assert (trial.reason or "").startswith(LOST_WORKER)
    again = cli("reap", "watched", "--storage", sqlite_url)
    assert "0 trial(s)" in again.stdout
