"""examples/darts-mnist1d.yaml through the CLI, on a small dataset and few epochs: one search
trial, then the derived cell retrained, tested and exported."""

from __future__ import annotations

from pathlib import Path

import yaml

from netsynth.space.space_kinds import genotype_from_dict
from netsynth.storage import open_storage
from tests.conftest import EXAMPLES, cli


def test_darts_example_runs_end_to_end_through_the_cli(dataset: Path, tmp_path: Path) -> None:
    spec = yaml.safe_load((EXAMPLES / "darts-mnist1d.yaml").read_text())
    spec["data"] = {"dataset": str(dataset)}
    spec["estimator"].update(epochs=2, batch_size=32)
    spec["architecture"]["training"]["epochs"] = 1
    spec["final"] = {"top_k": 1, "export_dir": "models"}
    (tmp_path / "spec.yaml").write_text(yaml.safe_dump(spec))
    storage = f"sqlite:///{tmp_path / 'x.db'}"
    result = cli(
        "run", "spec.yaml", "--storage", storage, "--no-progress", cwd=tmp_path, timeout=300
    )
    assert result.returncode == 0, result.stderr
    assert "darts-mnist1d: COMPLETED" in result.stdout
    store = open_storage(storage)
    (trial,) = store.trials(store.get_experiment("darts-mnist1d").id)
    genotype_from_dict(trial.attrs["genotype"])
    stopped = trial.attrs["oneshot"]["stopped_at_epoch"]
    assert [entry["epoch"] for entry in trial.attrs["alphas"]] == list(range(1, stopped + 1))
    assert (tmp_path / "models" / "model").exists()
