"""Several `netsynth run` processes on one SQLite file share one experiment exactly."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from netsynth.storage import open_storage
from netsynth.trial_record import TrialState
from tests.conftest import needs_postgres, popen_cli, write_spec

OBJECTIVE = """
import time
def objective(trial):
    time.sleep(0.02)
    return trial.params["x"]
"""

SPEC = """
name: shared
objective: {direction: minimize}
trial: {function: objective.py:objective}
parameters: [{name: x, type: float, low: 0, high: 1}]
seed: 1
budget: {max_trials: 40}
"""


@pytest.mark.parametrize("processes", [2, 4])
def test_processes_share_the_budget_without_lost_or_duplicated_trials(
    tmp_path: Path, sqlite_url: str, processes: int
) -> None:
    spec = write_spec(tmp_path, SPEC, OBJECTIVE)
    running = [
        popen_cli("run", str(spec), "--storage", sqlite_url, "--no-progress")
        for _ in range(processes)
    ]
    finish_all(running, timeout=120)
    storage = open_storage(sqlite_url)
    trials = storage.trials(storage.get_experiment("shared").id)
    assert [t.number for t in trials] == list(range(len(trials)))
    assert len(trials) == 40
    assert all(t.state is TrialState.COMPLETE for t in trials)
    # Seeded random search gives each trial number its own point, whoever runs it.
    assert len({t.params["x"] for t in trials}) == 40
    assert len({t.worker for t in trials}) >= 2  # the work really was shared


def finish_all(running: list[subprocess.Popen[str]], timeout: float) -> list[tuple[str, str]]:
    """Wait for every process (killing any left after ``timeout``); each must exit 0 with no
    "database is locked" in its output. Returns their (stdout, stderr)."""
    try:
        results = [p.communicate(timeout=timeout) for p in running]
    finally:
        for process in running:
            if process.poll() is None:
                process.kill()
                process.communicate()
    for process, (stdout, stderr) in zip(running, results, strict=True):
        assert process.returncode == 0, stderr
        assert "database is locked" not in stdout + stderr
    return results


LOAD_OBJECTIVE = """
def objective(trial):
    x = trial.params["x"]
    for step in range(3):
        trial.report(step, loss=x + step)
    return x
"""

LOAD_SPEC = """
name: load
objective: {{direction: minimize, metric: loss}}
trial: {{function: objective.py:objective}}
parameters: [{{name: x, type: float, low: 0, high: 1}}]
execution: {{executor: inline}}
seed: 1
budget: {{max_trials: {budget}}}
"""

LOAD_TRIALS_PER_PROCESS = 50


@pytest.mark.parametrize(
    ("storage_kind", "processes"),
    [("sqlite", 4), pytest.param("postgres", 8, marks=needs_postgres)],
)
def test_load_many_processes_with_trivial_trials(
    tmp_path: Path, request: pytest.FixtureRequest, storage_kind: str, processes: int
) -> None:
    """The issue's load test: 50 trivial trials per process, each reporting three steps."""
    url = str(request.getfixturevalue(f"{storage_kind}_url"))
    budget = LOAD_TRIALS_PER_PROCESS * processes
    spec = write_spec(tmp_path, LOAD_SPEC.format(budget=budget), LOAD_OBJECTIVE)
    running = [
        popen_cli("run", str(spec), "--storage", url, "--no-progress") for _ in range(processes)
    ]
    finish_all(running, timeout=300)
    storage = open_storage(url)
    try:
        trials = storage.trials(storage.get_experiment("load").id)
    finally:
        storage.close()
    assert len(trials) == budget
    assert sorted(t.number for t in trials) == list(range(budget))
    assert all(t.state is TrialState.COMPLETE for t in trials), {t.state for t in trials}
    for trial in trials:
        assert [r.step for r in trial.reports] == [0, 1, 2], trial.number
        x = trial.params["x"]
        assert isinstance(x, float)
        assert [r.metrics["loss"] for r in trial.reports] == pytest.approx([x, x + 1, x + 2])
        assert trial.value == pytest.approx(x)


def test_a_main_driver_and_two_workers_share_the_budget(tmp_path: Path, sqlite_url: str) -> None:
    spec = write_spec(tmp_path, SPEC, OBJECTIVE)
    # The workers start first: they wait for the driver to prepare and start the search.
    workers = [
        popen_cli("run", str(spec), "--storage", sqlite_url, "--no-progress", "--worker")
        for _ in range(2)
    ]
    driver = popen_cli("run", str(spec), "--storage", sqlite_url, "--no-progress")
    running = [driver, *workers]
    results = finish_all(running, timeout=120)
    for _, stderr in results[1:]:
        assert "worker: the search of shared ended" in stderr
    storage = open_storage(sqlite_url)
    try:
        record = storage.get_experiment("shared")
        trials = storage.trials(record.id)
    finally:
        storage.close()
    assert sorted(t.number for t in trials) == list(range(40))
    assert all(t.state is TrialState.COMPLETE for t in trials)
    assert record.state.value == "COMPLETED"
    # One pass through the lifecycle, taken by the driver alone.
    log = [state for state, _ in record.state_log]
    assert log.count("PREPARING") == 1
    assert log.count("RETRAINING") == 1
    assert log.count("EXPORTING") == 1
