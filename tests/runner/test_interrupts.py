"""Ctrl-C / SIGTERM stop a run cleanly; resume continues to exactly the trial budget."""

from __future__ import annotations

import signal
import time
from pathlib import Path

import pytest

import netsynth
from netsynth.experiment_record import ExperimentState
from netsynth.storage import open_storage
from netsynth.trial_record import TrialState
from tests.conftest import cli, popen_cli, write_spec

# Trials are quick, except while the flag file exists: then they hang, so a signal sent while
# they run lands inside a trial for certain.
OBJECTIVE = """
import os, time
def objective(trial):
    if trial.number >= 3 and os.path.exists(os.environ.get("SLOW_FLAG", "/nonexistent")):
        time.sleep(60)
    time.sleep(0.05)
    return trial.params["x"]
"""

SPEC = """
name: slow
objective: {direction: minimize}
trial: {function: objective.py:objective}
parameters: [{name: x, type: float, low: 0, high: 1}]
seed: 3
budget: {max_trials: 10}
"""


def wait_for(condition: object, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return
        time.sleep(0.1)
    raise AssertionError("condition not reached in time")


@pytest.mark.parametrize(
    ("sig", "workers"), [(signal.SIGINT, 1), (signal.SIGTERM, 1), (signal.SIGINT, 2)]
)
def test_signal_stops_the_run_and_resume_meets_the_budget(
    tmp_path: Path, sqlite_url: str, monkeypatch: pytest.MonkeyPatch, sig: int, workers: int
) -> None:
    spec = write_spec(tmp_path, SPEC, OBJECTIVE)
    flag = tmp_path / "slow.flag"
    flag.touch()
    monkeypatch.setenv("SLOW_FLAG", str(flag))
    args = ("run", str(spec), "--storage", sqlite_url, "--no-progress", "--workers", str(workers))
    process = popen_cli(*args)
    storage = open_storage(sqlite_url)

    def three_done() -> bool:
        try:
            experiment = storage.get_experiment("slow")
        except Exception:  # noqa: BLE001 - not created yet
            return False
        trials = storage.trials(experiment.id)
        return sum(t.state is TrialState.COMPLETE for t in trials) >= 3 and any(
            t.state is TrialState.RUNNING for t in trials
        )

    wait_for(three_done)
    time.sleep(0.3)
    process.send_signal(sig)
    _, stderr = process.communicate(timeout=30)
    name = signal.Signals(sig).name
    assert process.returncode == 128 + sig, stderr
    assert "netsynth resume slow" in stderr
    assert "Traceback" not in stderr

    experiment = storage.get_experiment("slow")
    assert experiment.state is ExperimentState.STOPPED
    trials = storage.trials(experiment.id)
    assert not any(t.state is TrialState.RUNNING for t in trials)
    interrupted = [t for t in trials if t.state is TrialState.FAILED]
    assert interrupted and all(t.reason == f"interrupted by {name}" for t in interrupted)
    finished_before = {t.number: t for t in trials if t.state is TrialState.COMPLETE}

    flag.unlink()
    result = cli("resume", "slow", "--storage", sqlite_url, "--no-progress")
    assert result.returncode == 0, result.stderr
    storage = open_storage(sqlite_url)  # a fresh client, nothing cached
    trials = storage.trials(storage.get_experiment("slow").id)
    assert storage.get_experiment("slow").state is ExperimentState.COMPLETED
    assert sum(t.state is not TrialState.FAILED for t in trials) == 10
    for number, before in finished_before.items():
        assert trials[number] == before  # finished trials are never touched


def test_resume_of_an_unknown_experiment_is_a_clear_error(sqlite_url: str, tmp_path: Path) -> None:
    netsynth.create_experiment("slow", storage=sqlite_url)  # the one the error lists
    result = cli("resume", "nope", "--storage", sqlite_url)
    assert result.returncode == 2
    assert "no experiment named 'nope'" in result.stderr and "slow" in result.stderr
    assert "Traceback" not in result.stderr
    missing = cli("ls", "--storage", f"sqlite:///{tmp_path / 'missing.db'}")
    assert missing.returncode == 2 and "no netsynth storage" in missing.stderr
    assert not (tmp_path / "missing.db").exists()
