"""Several `netsynth run` processes on one SQLite file share one experiment exactly."""

from __future__ import annotations

from pathlib import Path

import pytest

from netsynth.storage import open_storage
from netsynth.trial_record import TrialState
from tests.conftest import popen_cli, write_spec

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
    results = [p.communicate(timeout=120) for p in running]
    for process, (_, stderr) in zip(running, results, strict=True):
        assert process.returncode == 0, stderr
        assert "database is locked" not in stderr
    storage = open_storage(sqlite_url)
    trials = storage.trials(storage.get_experiment("shared").id)
    assert [t.number for t in trials] == list(range(len(trials)))
    assert len(trials) == 40
    assert all(t.state is TrialState.COMPLETE for t in trials)
    # Seeded random search gives each trial number its own point, whoever runs it.
    assert len({t.params["x"] for t in trials}) == 40
    assert len({t.worker for t in trials}) >= 2  # the work really was shared
