"""Pick end to end: a tiny real architecture search, then Pick with the token writes the same
export as ``netsynth export`` under the output folder and records the choice."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from netsynth.dashboard import create_app
from netsynth.spec import compile_spec, load_spec
from tests.dashboard.conftest import BASE_URL, TOKEN

TINY_SEARCH = """
name: tiny
data: {{dataset: digits}}
space:
  type: chain
  min_layers: 1
  max_layers: 1
  ops: [conv]
  kernels: [3]
  widths: [4]
  training: {{optimizer: adamw, lr: 0.01, batch_size: 128, epochs: 1}}
budget: {{max_trials: 1}}
final: {{top_k: 1, epochs: 1, export_dir: {export_dir}}}
seed: 0
"""


@pytest.fixture(scope="module")
def searched(tmp_path_factory: pytest.TempPathFactory) -> str:
    folder = tmp_path_factory.mktemp("pick")
    spec_path = folder / "spec.yaml"
    spec_path.write_text(TINY_SEARCH.format(export_dir=folder / "models"))
    url = f"sqlite:///{folder / 'nas.db'}"
    compiled = compile_spec(
        load_spec(spec_path), source=str(spec_path), base_dir=folder, storage=url
    )
    state = compiled.experiment.run(compiled.estimator, progress=False, **compiled.run_options)
    assert state.value == "COMPLETED"
    return url


def test_pick_exports_the_model_under_the_output_folder(
    searched: str, tmp_path: Path, one_torch_thread: None
) -> None:
    out = tmp_path / "picked"
    client = TestClient(create_app(searched, token=TOKEN, out=out), base_url=BASE_URL)
    response = client.post(
        "/api/experiments/tiny/pick", json={"trial": 0}, headers={"X-Netsynth-Token": TOKEN}
    )
    assert response.status_code == 200, response.text
    assert response.json() == {"picked": 0, "folder": "tiny/trial-0"}
    folder = out / "tiny" / "trial-0"
    assert {"model.onnx", "model.safetensors", "genotype.json"} <= {
        p.name for p in folder.iterdir()
    }
    assert json.loads((folder / "model.json").read_text())["metadata"]["trial"] == 0
    summary = client.get("/api/experiments/tiny").json()
    assert summary["picked"]["trial"] == 0 and summary["picked"]["folder"] == "tiny/trial-0"
    assert summary["exportable"] and summary["winner"] == 0
    page = client.get("/experiments/tiny/trials/0").text
    assert "picked" in page and "unpick" in page


def test_pick_into_a_chosen_sub_folder_and_refusals(
    searched: str, tmp_path: Path, one_torch_thread: None
) -> None:
    out = tmp_path / "picked"
    client = TestClient(create_app(searched, token=TOKEN, out=out), base_url=BASE_URL)
    headers = {"X-Netsynth-Token": TOKEN}
    chosen = client.post(
        "/api/experiments/tiny/pick", json={"trial": 0, "folder": "best/v1"}, headers=headers
    )
    assert chosen.status_code == 200, chosen.text
    assert (out / "best" / "v1" / "model.onnx").is_file()
    missing = client.post("/api/experiments/tiny/pick", json={"trial": 7}, headers=headers)
    assert missing.status_code == 404
    no_body = client.post("/api/experiments/tiny/pick", headers=headers)
    assert no_body.status_code == 400
    assert not (tmp_path / "outside").exists()
