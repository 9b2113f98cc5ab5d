"""10,000 trials with learning curves in SQLite: the experiment page and the trials API answer
within 300 ms (median), once the first request has read the storage."""

from __future__ import annotations

import json
import statistics
import time

import numpy as np
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine

from netsynth.dashboard import create_app
from netsynth.space.architecture_space import make_architecture_space
from netsynth.storage import open_storage
from netsynth.storage.sql_schema import reports, trials
from tests.dashboard.conftest import BASE_URL

TRIALS = 10_000
STEPS = 5
BUDGET_MS = 300.0


@pytest.fixture(scope="module")
def big_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The rows the SQL storage writes for 10,000 finished architecture trials, inserted in
    one transaction (the storage API would take minutes for this many)."""
    url = f"sqlite:///{tmp_path_factory.mktemp('big') / 'big.db'}"
    storage = open_storage(url)
    config = {"objective": {"metric": "val_acc", "direction": "maximize"}}
    record = storage.create_experiment("big", {**config, "architecture": {"type": "chain"}})
    storage.close()
    space = make_architecture_space({"type": "chain"})
    rng = np.random.default_rng(0)
    genotypes = [space.sample(rng) for _ in range(40)]
    now = time.time()
    trial_rows, report_rows = [], []
    for number in range(TRIALS):
        genotype, acc = genotypes[number % 40], float(rng.random())
        attrs = {"genotype": genotype.to_dict(), "architecture": genotype.describe()}
        metrics = {"val_acc": acc, "params": 1e3 + number, "flops": 1e5, "latency_ms": 0.1}
        trial_rows.append(
            {
                "id": number + 1,
                "experiment_id": record.id,
                "number": number,
                "state": "COMPLETE" if number % 5 else "PRUNED",
                "params": json.dumps({"lr": float(rng.random())}),
                "distributions": "{}",
                "value": acc,
                "metrics": json.dumps(metrics),
                "fidelity": "{}",
                "rung": number % 3,
                "reason": None if number % 5 else "stopped at rung 1",
                "attrs": json.dumps(attrs),
                "report_count": STEPS,
                "created_at": now,
                "finished_at": now + 1.0,
            }
        )
        report_rows += [
            {
                "trial_id": number + 1,
                "step": step,
                "metrics": json.dumps({"val_acc": acc * step / STEPS}),
                "created_at": now,
            }
            for step in range(1, STEPS + 1)
        ]
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(trials.insert(), trial_rows)
        connection.execute(reports.insert(), report_rows)
    engine.dispose()
    return url


@pytest.fixture(scope="module")
def big_client(big_url: str, tmp_path_factory: pytest.TempPathFactory) -> TestClient:
    app = create_app(big_url, out=tmp_path_factory.mktemp("out"))
    client = TestClient(app, base_url=BASE_URL)
    assert client.get("/api/experiments/big/trials").json()["total"] == TRIALS
    return client


def _median_ms(client: TestClient, path: str, repeats: int = 7) -> float:
    assert client.get(path).status_code == 200  # the first read fills the caches
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        response = client.get(path)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200
    return statistics.median(times)


@pytest.mark.parametrize(
    "path",
    [
        "/experiments/big",
        "/experiments/big?sort=param_count&order=desc&state=PRUNED",
        "/api/experiments/big/trials",
        "/api/experiments/big/trials?sort=param.lr&q=conv&page=7",
        "/fragments/experiments/big/trials?sort=value&page=20",
    ],
)
def test_ten_thousand_trials_stay_fast(big_client: TestClient, path: str) -> None:
    assert _median_ms(big_client, path) <= BUDGET_MS
