"""10,000 trials with learning curves in SQLite: the trials API sorts, filters and pages them
on the server correctly (how fast it does so is measured by benchmarks/dashboard.py; tests
never assert wall times)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from netsynth.dashboard import create_app
from netsynth.storage import open_storage
from netsynth.testing.big_experiment import write_big_experiment
from netsynth.trial_record import TrialRecord
from tests.dashboard.conftest import BASE_URL

TRIALS = 10_000


@pytest.fixture(scope="module")
def url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('big') / 'big.db'}"
    write_big_experiment(url, count=TRIALS)
    return url


@pytest.fixture(scope="module")
def client(url: str, tmp_path_factory: pytest.TempPathFactory) -> TestClient:
    return TestClient(create_app(url, out=tmp_path_factory.mktemp("out")), base_url=BASE_URL)


@pytest.fixture(scope="module")
def stored(url: str) -> list[TrialRecord]:
    storage = open_storage(url, read_only=True)
    return storage.trials(storage.get_experiment("big").id)


def test_pages_cover_every_trial_once(client: TestClient) -> None:
    first = client.get("/api/experiments/big/trials?size=500").json()
    assert (first["total"], first["pages"], len(first["rows"])) == (TRIALS, 20, 500)
    last = client.get("/api/experiments/big/trials?size=500&page=20").json()
    numbers = {r["number"] for r in first["rows"]} | {r["number"] for r in last["rows"]}
    assert len(numbers) == 1000


def test_sorted_by_value_best_first(client: TestClient, stored: list[TrialRecord]) -> None:
    rows = client.get("/api/experiments/big/trials?sort=value&order=desc&size=10").json()["rows"]
    best = sorted((t.value for t in stored), reverse=True)[:10]
    assert [r["value"] for r in rows] == best


def test_filtered_by_state_and_text(client: TestClient, stored: list[TrialRecord]) -> None:
    pruned = client.get("/api/experiments/big/trials?state=PRUNED").json()
    assert pruned["total"] == sum(1 for t in stored if t.state.value == "PRUNED") == 2000
    conv = client.get("/api/experiments/big/trials?q=sepconv").json()
    expected = sum(1 for t in stored if "sepconv" in t.attrs["architecture"])
    assert 0 < conv["total"] == expected < TRIALS


def test_sorted_by_a_parameter_then_paged(client: TestClient, stored: list[TrialRecord]) -> None:
    page = client.get("/api/experiments/big/trials?sort=param.lr&page=7&size=50").json()
    ordered = sorted(stored, key=lambda t: (t.params["lr"], t.number))
    assert [r["number"] for r in page["rows"]] == [t.number for t in ordered[300:350]]


@pytest.mark.parametrize(
    "path",
    [
        "/experiments/big",
        "/experiments/big?sort=param_count&order=desc&state=PRUNED",
        "/fragments/experiments/big/trials?sort=value&page=20",
        "/api/experiments/big/plots",
    ],
)
def test_pages_render_at_ten_thousand_trials(client: TestClient, path: str) -> None:
    assert client.get(path).status_code == 200
