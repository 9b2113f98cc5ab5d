"""The dashboard against a live experiment on SQLite: it cannot write, and the experiment's
writer never waits on it or fails because of it."""

from __future__ import annotations

import multiprocessing
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

import netsynth
from netsynth.dashboard import create_app
from netsynth.storage import StorageError, open_storage
from netsynth.trial import Trial
from netsynth.trial_record import TrialState
from tests.dashboard.conftest import BASE_URL

TRIALS = 60


def quick_objective(trial: Trial) -> float:
    x = trial.suggest_float("x", 0.0, 1.0)
    for step in range(1, 4):
        trial.report(step, loss=x / step)
    return x


def run_experiment(url: str) -> None:
    experiment = netsynth.load_experiment("live", storage=url)
    experiment.run(quick_objective, max_trials=TRIALS, progress=False)


def test_the_dashboard_storage_cannot_write(storage_url: str, tmp_path: Path) -> None:
    app = create_app(storage_url, out=tmp_path)
    storage = app.state.dashboard.reader.storage
    record = storage.get_experiment("hpo")
    with pytest.raises(StorageError, match="read-only"):
        storage.update_experiment(record.id, attrs={"x": 1})
    with pytest.raises(StorageError, match="read-only"):
        storage.set_experiment_state(record.id, netsynth.ExperimentState.STOPPED)


def test_a_live_writer_keeps_writing_while_the_dashboard_reads(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'live.db'}"
    netsynth.create_experiment("live", storage=url, seed=0)
    writer = multiprocessing.get_context("spawn").Process(target=run_experiment, args=(url,))
    writer.start()
    client = TestClient(create_app(url, out=tmp_path / "out"), base_url=BASE_URL)
    reads = 0
    seen = 0
    deadline = time.monotonic() + 120
    while writer.is_alive() and time.monotonic() < deadline:
        for path in ("/api/experiments/live/trials?size=5", "/api/experiments/live/live", "/"):
            assert client.get(path).status_code == 200
        total = client.get("/api/experiments/live/trials").json()["total"]
        assert total >= seen
        seen = total
        reads += 1
    writer.join(timeout=60)
    assert writer.exitcode == 0
    assert reads >= 3  # the dashboard really read while the experiment ran
    storage = open_storage(url)
    record = storage.get_experiment("live")
    trials = storage.trials(record.id)
    assert record.state is netsynth.ExperimentState.COMPLETED
    assert len(trials) == TRIALS and all(t.state is TrialState.COMPLETE for t in trials)
    final = client.get("/api/experiments/live/trials").json()
    assert final["total"] == TRIALS
