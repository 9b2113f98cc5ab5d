"""Every architecture space goes the whole way: search, retrain, test, export (ONNX checked),
on 1-D and 2-D inputs, through the same spec / estimator / storage path."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from netsynth.experiment_record import ExperimentState
from netsynth.export import load_model
from netsynth.spec import compile_spec, parse_spec

SPACES: dict[str, dict[str, Any]] = {
    "chain": {"type": "chain", "min_layers": 1, "max_layers": 3, "widths": [4, 8], "kernels": [3]},
    "dag": {"type": "dag", "min_nodes": 1, "max_nodes": 3, "widths": [4, 8], "stem_width": 4},
    "cell": {
        "type": "cell",
        "nodes": 2,
        "stages": 2,
        "cells_per_stage": 1,
        "init_channels": 4,
    },
    "nb201": {"type": "nb201", "init_channels": 4, "cells_per_stage": 1},
}
TRAINING = {"optimizer": "adamw", "lr": 0.01, "batch_size": 32, "epochs": 1}


def write_data(folder: Path, shape: tuple[int, ...]) -> Path:
    rng = np.random.default_rng(0)
    y = np.arange(90) % 3
    x = rng.normal(0, 1, (90, *shape)).astype(np.float32) + y.reshape(-1, *([1] * len(shape)))
    path = folder / "data.npz"
    np.savez(path, x=x, y=y)
    return path


@pytest.mark.usefixtures("one_torch_thread")
@pytest.mark.parametrize("shape", [(1, 24), (2, 12, 12)], ids=["1d", "2d"])
@pytest.mark.parametrize("kind", list(SPACES))
def test_space_searches_retrains_tests_and_exports(
    tmp_path: Path, kind: str, shape: tuple[int, ...]
) -> None:
    write_data(tmp_path, shape)
    spec = parse_spec(
        {
            "name": f"{kind}-{len(shape)}",
            "data": {"dataset": "data.npz"},
            "space": {**SPACES[kind], "training": TRAINING},
            "budget": {"max_trials": 2},
            "final": {"top_k": 1, "epochs": 1, "export_dir": str(tmp_path / "out")},
            "seed": 0,
        }
    )
    compiled = compile_spec(spec, source="spec.yaml", base_dir=tmp_path, storage="memory")
    experiment = compiled.experiment
    state = experiment.run(compiled.estimator, progress=False, **compiled.run_options)
    assert state is ExperimentState.COMPLETED, experiment.record.reason
    trials = experiment.trials()
    assert all(t.attrs["genotype"]["space"] == kind for t in trials)
    assert all(t.metrics["params"] > 0 and t.metrics["latency_ms"] > 0 for t in trials)
    model = load_model(tmp_path / "out" / "model")
    x = np.random.default_rng(1).normal(0, 1, (4, *shape)).astype(np.float32)
    assert model.predict(x).shape == (4,)
