"""The TAPAS commands and ``estimator: tapas`` end to end, in fresh processes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from netsynth.storage import open_storage
from tests.conftest import cli

GENOTYPE = {"space": "chain", "layers": [{"op": "conv", "width": 16, "kernel": 3}]}

TAPAS_DIGITS = """
name: trainless
data: {dataset: digits}
estimator: tapas
tapas: {min_records: 20, fit_epochs: 20, proxies: [synflow]}
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


def test_a_tapas_spec_refuses_an_objective_other_than_its_prediction() -> None:
    import yaml

    from netsynth.spec import SpecError, parse_spec

    data = yaml.safe_load(TAPAS_DIGITS)
    assert parse_spec(data).resolved_objective.metric == "predicted_acc"
    with pytest.raises(SpecError) as error:
        parse_spec({**data, "objective": {"metric": "val_acc", "direction": "maximize"}})
    ((path, message),) = error.value.problems
    assert path == "objective.metric" and "'predicted_acc'" in message and "'val_acc'" in message


def test_characterize_prints_the_dcn_and_the_nearest_datasets() -> None:
    result = cli("characterize", "digits")
    assert result.returncode == 0, result.stderr
    assert "DCN" in result.stdout
    assert "synthetic-easy" in result.stdout and "digits" in result.stdout


PREDICT_SPEC = """
data: {dataset: digits}
space:
  type: chain
  max_layers: 3
  widths: [8, 16]
  training: {optimizer: adamw, lr: [0.001, 0.03], batch_size: 64, epochs: [1, 7]}
budget: {max_trials: 1}
"""


def _rows(stdout: str) -> list[list[str]]:
    """The prediction rows under the table's header: rank, score, epochs, lr, architecture."""
    lines = stdout.strip().splitlines()
    header = next(
        i for i, line in enumerate(lines) if line.split()[:4] == ["rank", "score", "epochs", "lr"]
    )
    # Scores are ranks, not accuracies, and the output says so with the measured quality.
    assert "not accuracies" in stdout and "Kendall tau" in stdout
    return [line.split(maxsplit=4) for line in lines[header + 1 :]]


def test_predict_a_genotype_with_a_recipe_a_spec_and_refuse_a_cell(tmp_path: Path) -> None:
    (tmp_path / "net.json").write_text(json.dumps(GENOTYPE))
    fast = ("--min-records", "20", "--fit-epochs", "20")
    result = cli(
        "predict", "net.json", "--dataset", "digits", "--training", '{"epochs": 9, "lr": 0.02}',
        *fast, cwd=tmp_path, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "training recipe: --training" in result.stdout
    ((rank, score, epochs, lr, architecture),) = _rows(result.stdout)
    assert rank == "1" and 0.1 <= float(score) <= 1.0 and "conv3x16" in architecture
    assert (epochs, float(lr)) == ("9", 0.02)
    # a spec: each candidate is predicted with the recipe its space.training draws
    (tmp_path / "spec.yaml").write_text(PREDICT_SPEC)
    result = cli("predict", "spec.yaml", "--samples", "6", *fast, cwd=tmp_path, timeout=300)
    assert result.returncode == 0, result.stderr
    assert "training recipe: the spec's architecture.training" in result.stdout
    rows = _rows(result.stdout)
    assert len(rows) == 6 and {r[2] for r in rows} <= {"1", "7"}
    assert {float(r[3]) for r in rows} <= {0.001, 0.03}
    scores = [float(r[1]) for r in rows]
    assert scores == sorted(scores, reverse=True)  # best first, rank 1 the highest score
    assert [int(r[0]) for r in rows] == [1 + sum(s > x for s in scores) for x in scores]
    refused = cli("predict", '{"space": "cell", "normal": []}', "--dataset", "digits")
    assert refused.returncode == 2 and "chain" in refused.stderr
    bad = cli(
        "predict", "net.json", "--dataset", "digits", "--training", '{"epoch": 3}', cwd=tmp_path
    )
    assert bad.returncode == 2 and "'epoch'" in bad.stderr and "epochs" in bad.stderr


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
    # A prediction has its own metric: never ranked with (or read as) a measured val_acc.
    assert record.config["objective"] == {"metric": "predicted_acc", "direction": "maximize"}
    assert all(t.metrics["predicted_acc"] == t.value for t in trials)
    assert not any("val_acc" in t.metrics for t in trials)
    assert len(record.attrs["final"]) == 1  # only the top-1 was trained
    assert 0.0 <= record.attrs["final"][0]["test_acc"] <= 1.0  # measured, for real
    assert "predicted (rank score)" in result.stdout and "Kendall tau" in result.stdout
    assert record.state.value == "COMPLETED" or str(record.state).endswith("COMPLETED")
