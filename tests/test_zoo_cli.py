"""The zoo and union spaces through the CLI: refusals before any training, and a union
searched in sequence (NAS then HPO) end to end."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from tests.conftest import cli, show_json, write_spec

TABULAR_ZOO = """
name: zoo-table
data: {dataset: table.csv}
space: {type: zoo, families: [resnet, mlp]}
budget: {max_trials: 2}
"""


def write_table(folder: Path) -> None:
    rng = np.random.default_rng(0)
    lines = ["a,b,c,label"] + [
        f"{rng.random():.4f},{rng.random():.4f},{rng.random():.4f},{i % 2}" for i in range(60)
    ]
    (folder / "table.csv").write_text("\n".join(lines) + "\n")


def test_validate_refuses_a_conv_family_on_tabular_data(tmp_path: Path) -> None:
    write_table(tmp_path)
    result = cli("validate", str(write_spec(tmp_path, TABULAR_ZOO)))
    assert result.returncode == 2
    assert "architecture: the zoo family 'resnet' takes sequences (C, L) or images" in result.stderr
    assert "families that take tabular data: mlp" in result.stderr
    assert "Traceback" not in result.stderr


def test_run_refuses_it_in_preparing_before_any_trial(tmp_path: Path) -> None:
    write_table(tmp_path)
    url = f"sqlite:///{tmp_path / 'z.db'}"
    result = cli("run", str(write_spec(tmp_path, TABULAR_ZOO)), "--storage", url, cwd=tmp_path)
    assert result.returncode == 2
    assert "remove it from space.families" in result.stderr
    assert show_json("zoo-table", url) == []  # nothing was trained
    listed = json.loads(cli("ls", "--storage", url, "--format", "json").stdout)
    assert listed[0]["state"] == "FAILED"

    mlp_only = TABULAR_ZOO.replace("[resnet, mlp]", "[mlp]")
    assert cli("validate", str(write_spec(tmp_path, mlp_only))).returncode == 0


UNION_SEQUENTIAL = """
name: union-seq
data: {dataset: digits}
mode: sequential
space:
  type: union
  of:
    - {type: zoo, families: [resnet, mlp], variants: {resnet: [8], mlp: [1x64]},
       width_multipliers: [0.5], depth_multipliers: [1.0], se: [false]}
    - {type: chain, min_layers: 1, max_layers: 2, ops: [conv, dense], widths: [8, 16]}
  training:
    optimizer: adamw
    lr: {low: 0.001, high: 0.03, log: true}
    batch_size: 128
    weight_decay: 0.0005
    epochs: 1
    augment: 0.0
budget: {max_trials: 4}
tuning: {top_k: 2, algorithm: {name: random}, budget: {max_trials: 2}}
final: {top_k: 1, epochs: 1}
execution: {executor: inline}
seed: 0
"""


def test_a_union_searched_in_sequence_runs_to_an_export(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'u.db'}"
    spec = write_spec(tmp_path, UNION_SEQUENTIAL)
    assert cli("validate", str(spec)).returncode == 0
    result = cli("run", str(spec), "--storage", url, "--no-progress", cwd=tmp_path, timeout=240)
    assert result.returncode == 0, result.stderr
    rows = show_json("union-seq", url)
    stage_one = [r for r in rows if r["stage"] == "search"]
    stage_two = [r for r in rows if r["stage"] == "tuning"]
    assert len(stage_one) == 4 and len(stage_two) == 2
    # Stage 1 trains with the default learning rate; stage 2 searches it.
    assert {r["training"]["lr"] for r in stage_one} == {0.003}
    assert all("lr" in r["params"] and "architecture" in r["params"] for r in stage_two)
    exported = tmp_path / "netsynth-models" / "union-seq" / "model"
    genotype = json.loads((exported / "genotype.json").read_text())
    assert genotype["space"] in {"zoo", "chain"}
    assert (exported / "model.onnx").is_file()
