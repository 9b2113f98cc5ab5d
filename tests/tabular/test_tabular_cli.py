"""The tabular benchmark from the command line: a spec with ``tabular: {}`` runs in seconds."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import EXAMPLES, cli, show_json


def test_tabular_example_runs_on_the_simulated_clock(sqlite_url: str) -> None:
    result = cli("run", str(EXAMPLES / "nb201-tabular.yaml"), "--storage", sqlite_url)
    assert result.returncode == 0, result.stderr
    assert "compute budget" in result.stdout
    rows = show_json("nb201-tabular", sqlite_url)
    assert 20 <= len(rows) <= 400
    best = rows[0]
    assert best["state"] == "COMPLETE" and 0.5 < best["val_acc"] <= 1.0
    parents = [r for r in rows if r["params"] and "e0" in r["params"]]
    assert len(parents) == len(rows)  # the table's six edges are the whole flat space


def test_tabular_spec_rejects_a_space_or_data(tmp_path: Path) -> None:
    spec = tmp_path / "bad.yaml"
    spec.write_text(
        "tabular: {}\ndata: {dataset: mnist1d}\nbudget: {max_trials: 5}\n", encoding="utf-8"
    )
    result = cli("validate", str(spec))
    assert result.returncode == 2
    assert "data" in result.stderr and "tabular" in result.stderr


def test_a_missing_table_file_is_a_clear_error(tmp_path: Path) -> None:
    spec = tmp_path / "missing.yaml"
    spec.write_text("tabular: {table: nowhere.npz}\nbudget: {max_trials: 5}\n", encoding="utf-8")
    result = cli("run", str(spec), "--storage", f"sqlite:///{tmp_path / 'x.db'}")
    assert result.returncode == 2
    assert "nowhere.npz" in result.stderr
