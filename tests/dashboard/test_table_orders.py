"""The trial table keeps the orders it sorted while no trial starts or finishes, so paging
through a large table sorts it once; a trial that finishes in between is in the next answer,
never hidden behind a kept order."""

from __future__ import annotations

from fastapi.testclient import TestClient

from netsynth.dashboard import create_app
from netsynth.dashboard.trial_table import ORDERS_KEPT, TableQuery, TrialRows, select
from netsynth.storage import InMemoryStorage, TrialDraft
from netsynth.trial_record import TrialState
from tests.dashboard.conftest import BASE_URL


def _finish(storage: InMemoryStorage, experiment_id: int, value: float) -> None:
    trial = storage.create_trial(experiment_id, lambda _: TrialDraft(params={"x": value}))
    assert trial is not None
    storage.finish_trial(trial.id, TrialState.COMPLETE, value=value)


def _numbers(client: TestClient, **query: str) -> list[int]:
    body = client.get("/api/experiments/orders/trials", params=query).json()
    return [row["number"] for row in body["rows"]]


def test_a_kept_order_never_hides_a_trial_that_finished_since() -> None:
    storage = InMemoryStorage()
    experiment = storage.create_experiment(
        "orders", {"objective": {"metric": "value", "direction": "maximize"}, "seed": 0}
    )
    for value in (0.2, 0.9, 0.5):
        _finish(storage, experiment.id, value)
    client = TestClient(create_app(storage), base_url=BASE_URL)
    by_value = {"sort": "value", "order": "desc"}
    assert _numbers(client, **by_value) == [1, 2, 0]
    assert _numbers(client, **by_value) == [1, 2, 0]
    assert _numbers(client, **by_value, size="1", page="2") == [2]
    _finish(storage, experiment.id, 0.95)
    assert _numbers(client, **by_value) == [3, 1, 2, 0]
    assert _numbers(client, **by_value, size="1", page="2") == [1]


def test_each_filter_and_sort_keeps_its_own_order_and_only_the_latest_few() -> None:
    rows = [
        {"id": i, "number": i, "state": state, "stage": None, "value": v, "params": {},
         "architecture": None, "reason": None}
        for i, (state, v) in enumerate([("COMPLETE", 0.3), ("PRUNED", 0.8), ("COMPLETE", 0.6)])
    ]  # fmt: skip
    table = TrialRows(rows, {0: 3, 2: 1, 1: 2})
    complete = TableQuery(sort="value", order="desc", states=frozenset({"COMPLETE"}))
    assert [r["number"] for r in select(table, complete).rows] == [2, 0]
    assert [r["number"] for r in select(table, TableQuery(sort="value")).rows] == [0, 2, 1]
    assert [r["number"] for r in select(table, TableQuery()).rows] == [2, 1, 0]  # by rank
    assert [r["number"] for r in select(table, complete).rows] == [2, 0]
    for size in range(1, ORDERS_KEPT + 3):
        select(table, TableQuery(sort="number", text=f"x{size}"))
    assert len(table.orders) == ORDERS_KEPT
