"""The trials API sorts, filters and pages on the server; the page and its fragment agree."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from netsynth.dashboard import create_app
from tests.dashboard.conftest import BASE_URL


def _trials(client: TestClient, name: str = "nas-chain", **params: Any) -> dict[str, Any]:
    response = client.get(f"/api/experiments/{name}/trials", params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_default_order_is_the_leaderboard(client: TestClient) -> None:
    body = _trials(client)
    assert body["total"] == 8 and body["page"] == 1 and body["pages"] == 1
    numbers = [row["number"] for row in body["rows"]]
    # COMPLETE best first (val_acc is maximized), then PRUNED, RUNNING, FAILED
    assert numbers == [5, 4, 2, 1, 0, 3, 7, 6]
    assert [row["rank"] for row in body["rows"]] == list(range(1, 9))


def test_rows_carry_what_the_table_shows(client: TestClient) -> None:
    rows = {row["number"]: row for row in _trials(client)["rows"]}
    assert rows[5]["test_acc"] == 0.71 and rows[4]["test_acc"] is None
    assert rows[2]["param_count"] == 3000 and rows[2]["flops"] == 3e5
    assert rows[3]["state"] == "PRUNED" and rows[3]["reason"] == "stopped at rung 1"
    assert rows[3]["rung"] == 1 and rows[3]["bracket"] == 0
    assert rows[1]["tapas_predicted"] == 0.61 and rows[2]["parent"] == 1
    assert rows[7]["value"] is None and rows[7]["state"] == "RUNNING"
    assert rows[0]["architecture"] and rows[0]["stage"] == "search"


@pytest.mark.parametrize(
    ("sort", "order", "expected"),
    [
        ("value", "desc", [5, 4, 3, 2, 1, 0, 6, 7]),
        ("value", "asc", [0, 1, 2, 3, 4, 5, 6, 7]),
        ("param_count", "desc", [5, 4, 3, 2, 1, 0, 6, 7]),
        ("number", "desc", [7, 6, 5, 4, 3, 2, 1, 0]),
        ("param.lr", "desc", [6, 7, 5, 4, 3, 2, 1, 0]),
    ],
)
def test_sorting_puts_missing_values_last_either_way(
    client: TestClient, sort: str, order: str, expected: list[int]
) -> None:
    rows = _trials(client, sort=sort, order=order)["rows"]
    assert [row["number"] for row in rows] == expected


def test_filters_by_state_text_and_stage(client: TestClient) -> None:
    assert [r["number"] for r in _trials(client, state="PRUNED")["rows"]] == [3]
    both = _trials(client, state="failed,running", sort="number")
    assert [r["number"] for r in both["rows"]] == [6, 7]
    assert [r["number"] for r in _trials(client, q="DIVERGED")["rows"]] == [6]
    assert _trials(client, q="lr=0.03")["total"] == 1
    assert _trials(client, stage="tuning")["total"] == 0
    assert _trials(client, stage="search")["total"] == 8


def test_pages_split_the_filtered_rows(client: TestClient) -> None:
    first = _trials(client, sort="number", size=3)
    last = _trials(client, sort="number", size=3, page=3)
    assert (first["total"], first["pages"]) == (8, 3)
    assert [r["number"] for r in first["rows"]] == [0, 1, 2]
    assert [r["number"] for r in last["rows"]] == [6, 7]
    assert _trials(client, sort="number", size=3, page=9)["rows"] == []


@pytest.mark.parametrize(
    "params",
    [
        {"sort": "nonsense"},
        {"order": "sideways"},
        {"state": "BOGUS"},
        {"stage": "third"},
        {"page": "0"},
        {"size": "100000"},
        {"page": "two"},
    ],
)
def test_a_bad_query_is_400_with_a_message(client: TestClient, params: dict[str, str]) -> None:
    response = client.get("/api/experiments/nas-chain/trials", params=params)
    assert response.status_code == 400
    assert response.json()["error"]


def test_page_and_fragment_show_the_same_sorted_page(client: TestClient) -> None:
    query = "sort=value&order=desc&size=2"
    page = client.get(f"/experiments/nas-chain?{query}").text
    fragment = client.get(f"/fragments/experiments/nas-chain/trials?{query}")
    assert fragment.status_code == 200
    assert fragment.text.strip() in page
    assert 'data-trial="5"' in fragment.text and 'data-trial="4"' in fragment.text
    assert 'data-trial="3"' not in fragment.text
    assert "page 1 of 4" in fragment.text and "next" in fragment.text


def test_stage_two_trials_of_a_sequential_experiment_have_a_stage_column(
    staged_storage_url: str,
) -> None:
    staged = TestClient(create_app(staged_storage_url), base_url=BASE_URL)
    body = staged.get("/api/experiments/seq/trials", params={"stage": "tuning"}).json()
    assert body["total"] == 1 and body["rows"][0]["stage"] == "tuning"
    page = staged.get("/experiments/seq").text
    assert "2: tuning" in page and "1: search" in page


def test_live_lists_running_trials_with_their_curves(client: TestClient) -> None:
    live = client.get("/api/experiments/nas-chain/live").json()
    assert [t["number"] for t in live["running"]] == [7]
    assert live["metric"] == "val_acc" and live["running"][0]["last"] == 0.3
    assert live["finished"] == 7 and live["summary"]["state"] == "SEARCHING"
    assert live["curves"]["data"][0]["y"] == [0.3]
    assert client.get("/api/experiments/hpo/live").json()["running"] == []


def test_plots_appear_where_their_data_exists(client: TestClient) -> None:
    hpo = {p["id"] for p in client.get("/api/experiments/hpo/plots").json()}
    nas = {p["id"] for p in client.get("/api/experiments/nas-chain/plots").json()}
    assert hpo and nas
    assert len(nas) > len(hpo)  # params and latency exist only for the architectures


def test_one_trial_in_full(client: TestClient) -> None:
    trial = client.get("/api/experiments/nas-cell/trials/5").json()
    assert trial["row"]["number"] == 5 and trial["final"] == {"test_acc": 0.71, "val_acc": 0.75}
    assert trial["graph"]["kind"] == "cell" and set(trial["graph"]["cells"]) >= {"normal"}
    assert [c["metric"] for c in trial["curves"]] == ["val_acc", "train_loss"]
    assert trial["lineage"].startswith("mutation of 4 <- 3 <- 2 <- 1")
    assert trial["parent"] == 4 and trial["children"] == []
    svg = client.get("/api/experiments/nas-cell/trials/5/diagram.svg?compact=true")
    assert svg.status_code == 200 and svg.headers["content-type"].startswith("image/svg+xml")
    assert client.get("/api/experiments/hpo/trials/0/diagram.svg").status_code == 404
