"""Every page renders for HPO and NAS experiments, and says plainly what is not there."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient

from tests.dashboard.conftest import (
    BASE_URL,
    HPO,
    SPACES,
    TOKEN,
    XSS,
    nas_attrs,
    write_trial,
)

EXPERIMENTS = [HPO, *(f"nas-{kind}" for kind in SPACES)]


def test_experiments_page_lists_every_experiment_with_state_and_progress(
    client: TestClient,
) -> None:
    page = client.get("/")
    assert page.status_code == 200
    for name in EXPERIMENTS:
        assert f'href="/experiments/{name}"' in page.text
    assert "COMPLETED" in page.text and "SEARCHING" in page.text
    assert '<progress value="8" max="8"></progress>' in page.text  # the HPO run's budget
    rows = client.get("/api/experiments").json()
    hpo = next(row for row in rows if row["name"] == HPO)
    assert (hpo["state"], hpo["done"], hpo["budget"]) == ("COMPLETED", 8, 8)
    assert hpo["best"] is not None and hpo["duration_s"] >= 0 and hpo["created"]


@pytest.mark.parametrize("name", EXPERIMENTS)
def test_experiment_page_shows_its_models(client: TestClient, name: str) -> None:
    page = client.get(f"/experiments/{name}")
    assert page.status_code == 200
    assert f'href="/experiments/{name}/trials/0"' in page.text
    assert 'src="/static/plotly.min.js"' in page.text
    if name.startswith("nas-"):
        assert page.text.count("<svg") >= 6  # a thumbnail per drawable model
        assert "test acc" in page.text and "0.71" in page.text
        assert "In training" in page.text


@pytest.mark.parametrize("kind", SPACES)
def test_model_page_draws_the_architecture_and_shows_its_record(
    client: TestClient, kind: str
) -> None:
    page = client.get(f"/experiments/nas-{kind}/trials/2")
    assert page.status_code == 200
    assert '<svg class="arch"' in page.text or "<svg" in page.text
    for section in ("Hyperparameters", "Training", "Metrics", "Lineage", "Provenance"):
        assert f"<h2>{section}</h2>" in page.text
    assert f'href="/experiments/nas-{kind}/trials/1"' in page.text  # the parent
    assert "curve-data" in page.text


def test_model_page_shows_tapas_prediction_and_test_accuracy(client: TestClient) -> None:
    tapas = client.get("/experiments/nas-chain/trials/1").text
    assert "TAPAS prediction" in tapas and "0.61" in tapas
    # A rank score with its rank and measured rank quality, never an "actual" accuracy.
    assert "rank score" in tapas and "1 of 1 predicted" in tapas and "Kendall tau" in tapas
    assert "not trained" in tapas and "actual" not in tapas
    tested = client.get("/experiments/nas-chain/trials/5").text
    assert "test accuracy" in tested and "0.71" in tested


def test_compare_page_shows_models_side_by_side(client: TestClient) -> None:
    page = client.get("/experiments/nas-dag/compare?trials=1,2&trials=4")
    assert page.status_code == 200
    assert page.text.count('<section class="model">') == 3
    assert 'class="differs"' in page.text  # lr differs between them
    data = client.get("/api/experiments/nas-dag/compare?trials=1,2").json()
    lr = next(row for row in data["settings"] if row["name"] == "lr")
    assert lr["values"] == [0.02, 0.03] and lr["differs"]
    assert len(data["curves"]["data"]) == 2


@pytest.mark.parametrize("trials", ["1", "1,2,3,4,5", "1,1", "a,b"])
def test_compare_refuses_other_than_two_to_four_models(client: TestClient, trials: str) -> None:
    response = client.get(f"/api/experiments/nas-dag/compare?trials={trials}")
    assert response.status_code == 400
    assert "error" in response.json()


def test_unknown_experiment_and_trial_are_404_with_a_plain_message(client: TestClient) -> None:
    missing = client.get("/api/experiments/nope/trials")
    assert missing.status_code == 404
    assert missing.json() == {"error": "no experiment named 'nope'"}
    page = client.get("/experiments/nope")
    assert page.status_code == 404 and "no experiment named" in page.text
    trial = client.get("/api/experiments/hpo/trials/999")
    assert trial.status_code == 404
    assert trial.json() == {"error": "experiment 'hpo' has no trial 999"}
    assert client.get("/experiments/hpo/trials/999").status_code == 404


def test_a_name_with_slashes_and_markup_routes_to_its_experiment(client: TestClient) -> None:
    page = client.get(f"/experiments/{quote(XSS, safe='')}")
    assert page.status_code == 200
    assert client.get(f"/api/experiments/{quote(XSS, safe='')}/trials").json()["total"] == 2


def test_static_files_and_plotly_are_served_locally(client: TestClient) -> None:
    plotly = client.get("/static/plotly.min.js")
    assert plotly.status_code == 200 and len(plotly.content) > 1_000_000
    assert "javascript" in plotly.headers["content-type"]
    assert client.get("/static/dashboard.js").status_code == 200
    assert client.get("/static/dashboard.css").status_code == 200
    assert client.get("/static/..%2Fapp.py").status_code == 404


def test_a_train_less_search_heads_its_predictions_as_rank_scores(tmp_path: Path) -> None:
    from netsynth.dashboard import create_app
    from netsynth.storage import open_storage

    url = f"sqlite:///{tmp_path / 'tapas.db'}"
    storage = open_storage(url)
    config = {
        "objective": {"metric": "predicted_acc", "direction": "maximize"},
        "architecture": {"type": "chain"},
    }
    record = storage.create_experiment("trainless", config)
    for number, score in enumerate((0.4, 0.7)):
        attrs = {**nas_attrs("chain", number), "tapas": {"predicted": score}}
        write_trial(storage, record.id, params={}, value=score, attrs=attrs)
    storage.update_experiment(record.id, attrs={"final": [{"trial": 1, "test_acc": 0.93}]})
    storage.close()
    with TestClient(create_app(url, token=TOKEN), base_url=BASE_URL) as client:
        listing = client.get("/experiments/trainless").text
        assert "predicted (rank score)" in listing and "predicted_acc" not in listing
        model = client.get("/experiments/trainless/trials/1").text
        assert "predicted (rank score)" in model and "1 of 2 predicted" in model
        assert "0.93" in model  # what training measured once it was retrained
