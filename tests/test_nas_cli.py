"""End to end for architecture search: the CLI on tiny budgets, in fresh processes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import jsonschema
import numpy as np
import pytest

from netsynth.cli import main
from netsynth.export import load_model
from netsynth.storage import open_storage
from tests.conftest import EXAMPLES, cli, cli_env, show_document, show_schema

TINY_DIGITS = """
name: tiny
data: {dataset: digits}
architecture:
  type: chain
  min_layers: 1
  max_layers: 2
  ops: [conv, maxpool, dense]
  kernels: [3]
  widths: [8]
  training: {optimizer: adamw, lr: 0.01, batch_size: 64, epochs: 1}
budget: {max_trials: 2}
final: {top_k: 2, epochs: 2, export_dir: models}
seed: 0
"""


@pytest.fixture(scope="module")
def finished(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """One tiny digits search, run once for the tests below."""
    folder = tmp_path_factory.mktemp("nas")
    (folder / "spec.yaml").write_text(TINY_DIGITS)
    storage = f"sqlite:///{folder / 'nas.db'}"
    result = cli("run", "spec.yaml", "--storage", storage, "--no-progress", cwd=folder, timeout=300)
    assert result.returncode == 0, result.stderr
    assert "tiny: COMPLETED" in result.stdout
    return folder, storage


def test_search_reaches_completed_and_exports_a_loadable_model(finished: tuple[Path, str]) -> None:
    folder, storage = finished
    store = open_storage(storage)
    record = store.get_experiment("tiny")
    states = [state for state, _ in record.state_log]
    assert states[-5:] == ["SEARCHING", "RETRAINING", "EVALUATING", "EXPORTING", "COMPLETED"]
    assert record.attrs["data"]["input_shape"] == [1, 8, 8]
    assert len(record.attrs["final"]) == 2  # top_k retrained and tested
    assert all(0 <= entry["test_acc"] <= 1 for entry in record.attrs["final"])
    trials = store.trials(record.id)
    assert all({"genotype", "genotype_hash", "provenance"} <= set(t.attrs) for t in trials)
    assert all(t.metrics["params"] > 0 and t.metrics["flops"] > 0 for t in trials)
    model = load_model(folder / "models" / "model")
    assert model.predict(np.random.default_rng(0).random((5, 1, 8, 8))).shape == (5,)


def test_export_command_writes_the_winner_or_a_chosen_trial(
    finished: tuple[Path, str], capsys: pytest.CaptureFixture[str]
) -> None:
    folder, storage = finished
    out = folder / "exported"
    result = cli("export", "tiny", "--out", str(out), "--storage", storage, cwd=folder)
    assert result.returncode == 0, result.stderr
    assert {p.name for p in out.iterdir()} >= {"model.safetensors", "model.onnx", "genotype.json"}
    # The same command in this process (a fresh one costs seconds of imports each time).
    chosen = main(
        ["export", "tiny", "--trial", "1", "--out", str(folder / "t1"), "--storage", storage]
    )
    assert chosen == 0, capsys.readouterr().err
    meta = json.loads((folder / "t1" / "model.json").read_text())
    assert meta["metadata"]["trial"] == 1
    capsys.readouterr()
    missing = main(
        ["export", "tiny", "--trial", "99", "--out", str(folder / "x"), "--storage", storage]
    )
    assert missing == 2 and "not a completed candidate" in capsys.readouterr().err


def test_show_lists_architectures_and_the_tested_models(finished: tuple[Path, str]) -> None:
    _, storage = finished
    result = cli("show", "tiny", "--storage", storage)
    assert result.returncode == 0
    assert "architecture" in result.stdout and "retrained on train+val, tested" in result.stdout
    document = show_document("tiny", storage)
    jsonschema.validate(document, show_schema())
    rows = document["trials"]
    assert all("architecture" in row and "params" in row["metrics"] for row in rows)
    # The retrained, tested models are in the JSON too, the exported one with its folder.
    final = document["final_models"]
    assert [m["trial"] for m in final] == [e["trial"] for e in _final_attrs(storage)]
    assert len(final) == 2 and all(0 <= m["test_acc"] <= 1 for m in final)
    (exported,) = [m for m in final if m["exported"]]
    assert exported["trial"] == document["winner"] and exported["winner"]
    assert Path(exported["export_path"]).is_dir()
    assert all(m["export_path"] is None for m in final if not m["exported"])
    assert all(m["param_count"] > 0 and m["epochs"] >= 1 for m in final)
    csv_final = cli("show", "tiny", "--storage", storage, "--format", "csv", "--what", "final")
    header, *lines = csv_final.stdout.strip().splitlines()
    assert header.startswith("trial,winner,exported,export_path,test_acc") and len(lines) == 2


def _final_attrs(storage: str) -> list[dict[str, object]]:
    entries: list[dict[str, object]] = open_storage(storage).get_experiment("tiny").attrs["final"]
    return entries


@pytest.mark.parametrize(
    ("write", "message"),
    [
        (
            lambda p: np.savez(p, x=np.zeros((10, 4)), y=np.arange(9)),
            "x has 10 samples but y has 9",
        ),
        (
            lambda p: np.savez(p, x=np.full((30, 4), np.nan), y=np.arange(30) % 3),
            "NaN",
        ),
        (lambda p: p.write_text("not a zip"), "not an .npz archive"),
    ],
)
def test_bad_data_fails_in_preparing_before_any_trial(
    tmp_path: Path,
    write: object,
    message: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    data = tmp_path / "bad.npz"
    write(data)  # type: ignore[operator]
    (tmp_path / "spec.yaml").write_text(TINY_DIGITS.replace("dataset: digits", "dataset: bad.npz"))
    storage = f"sqlite:///{tmp_path / 'bad.db'}"
    monkeypatch.chdir(tmp_path)  # in this process: test_zoo_cli runs a refusal in a fresh one
    code = main(["run", "spec.yaml", "--storage", storage, "--no-progress"])
    stderr = capsys.readouterr().err
    assert code == 2, stderr
    assert "Traceback" not in stderr
    assert message in stderr
    store = open_storage(storage)
    record = store.get_experiment("tiny")
    assert record.state.value == "FAILED"
    assert [state for state, _ in record.state_log][-2:] == ["PREPARING", "FAILED"]
    assert store.trials(record.id) == []


@pytest.mark.parametrize("script", ["npz_sequences.py", "csv_tabular.py", "image_folder.py"])
def test_user_data_examples_run(tmp_path: Path, script: str) -> None:
    result = subprocess.run(
        [sys.executable, str(EXAMPLES / script)],
        cwd=tmp_path,
        env=cli_env(),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr
    assert ": COMPLETED" in result.stdout
