"""A run whose winner trained with left-right flips tests and exports it with test-time
mirroring (the prediction averaged over each image and its mirror image), so the reported
test accuracy is the exported model's; ``final: {test_time_mirror: false}`` turns it off."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from netsynth.export import load_model
from netsynth.storage import open_storage
from tests.conftest import cli
from tests.test_time_limited_runs import write_images

SPEC = """
name: mirror
data: shapes.npz
architecture:
  type: chain
  min_layers: 1
  max_layers: 1
  ops: [conv]
  kernels: [3]
  widths: [8]
  training: {{optimizer: adamw, lr: 0.01, batch_size: 32, epochs: 2, flip: {flip}}}
budget: {{max_trials: 1}}
final: {{top_k: 1{final}}}
"""


@pytest.mark.parametrize(
    ("flip", "final", "mirrored"),
    [("true", "", True), ("true", ", test_time_mirror: false", False), ("false", "", False)],
)
def test_the_delivered_model_predicts_with_mirroring_when_it_trained_with_flips(
    tmp_path: Path, flip: str, final: str, mirrored: bool
) -> None:
    write_images(tmp_path / "shapes.npz", n=240, size=12)
    (tmp_path / "spec.yaml").write_text(SPEC.format(flip=flip, final=final))
    url = f"sqlite:///{tmp_path / 'runs.db'}"
    result = cli("run", "spec.yaml", "--storage", url, "--no-progress", cwd=tmp_path, timeout=300)
    assert result.returncode == 0, result.stderr
    record = open_storage(url).get_experiment("mirror")
    (entry,) = record.attrs["final"]
    assert entry["test_time_mirror"] is mirrored
    model = load_model(record.attrs["export"]["folder"])
    assert model.mirror is mirrored
    x = np.random.default_rng(0).normal(size=(8, 1, 12, 12)).astype(np.float32)
    symmetric = np.allclose(
        model.predict_proba(x), model.predict_proba(x[..., ::-1].copy()), atol=1e-6
    )
    assert symmetric is mirrored  # an average over both orientations cannot tell them apart
