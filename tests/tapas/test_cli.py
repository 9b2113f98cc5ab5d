"""The TAPAS commands and ``estimator: tapas`` end to end, in fresh processes."""

from __future__ import annotations

import json
from pathlib import Path

from netsynth.storage import open_storage
from tests.conftest import cli

GENOTYPE = {"space": "chain", "layers": [{"op": "conv", "width": 16, "kernel": 3}]}

TAPAS_DIGITS = """
name: trainless
data: {dataset: digits}
estimator: tapas
tapas: {min_records: 20}
space:
  type: chain
  max_layers: 3
  ops: [conv, maxpool, dense]
  widths: [8, 16]
  training: {optimizer: adamw, lr: 0.01, batch_size: 64, epochs: 1}
budget: {max_trials: 6}
final: {top_k: 1, epochs: 1, export_dir: models}
seed: 0
"""


def test_characterize_prints_the_dcn_and_the_nearest_datasets() -> None:
    result = cli("characterize", "digits")
    assert result.returncode == 0, result.stderr
    assert "DCN" in result.stdout
    assert "synthetic-easy" in result.stdout and "digits" in result.stdout


def test_predict_a_genotype_and_refuse_a_cell(tmp_path: Path) -> None:
    (tmp_path / "net.json").write_text(json.dumps(GENOTYPE))
    result = cli(
        "predict",
        "net.json",
        "--dataset",
        "digits",
        "--min-records",
        "20",
        cwd=tmp_path,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    line = result.stdout.strip().splitlines()[-1]
    assert 0.1 <= float(line.split()[0]) <= 1.0 and "conv3x16" in line
    refused = cli("predict", '{"space": "cell", "normal": []}', "--dataset", "digits")
    assert refused.returncode == 2 and "chain" in refused.stderr


def test_a_trainless_search_predicts_every_trial_and_retrains_only_the_top_k(
    tmp_path: Path,
) -> None:
    (tmp_path / "spec.yaml").write_text(TAPAS_DIGITS)
    storage = f"sqlite:///{tmp_path / 'nas.db'}"
    result = cli(
        "run", "spec.yaml", "--storage", storage, "--no-progress", cwd=tmp_path, timeout=600
    )
    assert result.returncode == 0, result.stderr
    store = open_storage(storage)
    record = store.list_experiments()[0]
    assert 0.0 <= record.attrs["dcn"]["dcn"] <= 0.2  # stored in PREPARING
    trials = store.trials(record.id)
    assert len(trials) == 6
    assert all(0.1 <= t.attrs["tapas"]["predicted"] <= 1.0 for t in trials)
    assert all(t.value == t.attrs["tapas"]["predicted"] for t in trials)
    assert len(record.attrs["final"]) == 1  # only the top-1 was trained
    assert record.state.value == "COMPLETED" or str(record.state).endswith("COMPLETED")
