"""A time limit that holds and always a model: runs from a data file with no spec, from a
shorthand spec and from Python, a limit too short for the space, and a run whose only trial
the clock stops. Small generated images; limits of seconds."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from netsynth.export import load_model
from netsynth.storage import open_storage
from netsynth.trial_record import CLOCK_STOP, TrialState
from tests.conftest import cli


def write_images(path: Path, n: int = 300, size: int = 12, channels: int = 1) -> Path:
    """Three classes: a bright square in a class's corner, on noise."""
    rng = np.random.default_rng(0)
    y = np.arange(n) % 3
    x = rng.normal(0.0, 0.3, (n, channels, size, size)).astype(np.float32)
    for i, label in enumerate(y):
        r, c = [(0, 0), (0, size - 4), (size - 4, 0)][label]
        x[i, :, r : r + 4, c : c + 4] += 1.5
    np.savez(path, x=x, y=y)
    return path


def test_a_data_file_with_no_spec_is_searched_with_the_defaults(tmp_path: Path) -> None:
    write_images(tmp_path / "shapes.npz")
    url = f"sqlite:///{tmp_path / 'runs.db'}"
    result = cli(
        "run", "shapes.npz", "--time", "90s", "--max-trials", "3", "--storage", url,
        "--no-progress", cwd=tmp_path, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "time limit 1m 30s" in result.stderr and "first candidates" in result.stderr
    assert "Traceback" not in result.stderr
    record = open_storage(url).get_experiment("shapes")
    assert record.config["architecture"]["type"] == "union"
    # the final share was settled in PREPARING from what the baselines cost here
    assert 0.25 <= record.config["budget"]["final_share"] <= 0.65
    assert record.reason == "trial budget reached"  # and it says why it ended early
    trials = open_storage(url).trials(record.id)
    assert trials[0].attrs["origin"] == "initial"  # a known baseline first
    assert "predicted_epoch_seconds" in trials[0].attrs  # priced before it was trained
    model = load_model(record.attrs["export"]["folder"])
    assert model.predict(np.zeros((2, 1, 12, 12), dtype=np.float32)).shape == (2,)


def test_a_space_far_too_expensive_for_the_limit_stops_before_training(tmp_path: Path) -> None:
    write_images(tmp_path / "big.npz", n=600, size=64, channels=3)
    (tmp_path / "spec.yaml").write_text(
        """
name: wide
data: big.npz
space:
  type: chain
  min_layers: 4
  max_layers: 4
  ops: [conv]
  kernels: [7]
  widths: [256]
  full_resolution_width: null
  training: {optimizer: adamw, lr: 0.01, batch_size: 64, epochs: 5}
budget: {time: 12s}
"""
    )
    url = f"sqlite:///{tmp_path / 'runs.db'}"
    result = cli("run", "spec.yaml", "--storage", url, "--no-progress", cwd=tmp_path, timeout=300)
    assert result.returncode == 2, result.stderr
    assert "too short" in result.stderr and "s per epoch" in result.stderr
    assert "Traceback" not in result.stderr
    record = open_storage(url).get_experiment("wide")
    assert record.state.value == "FAILED" and "too short" in (record.reason or "")
    assert open_storage(url).trials(record.id) == []  # nothing was trained


def test_a_run_whose_only_trial_the_clock_stops_still_exports_a_model(tmp_path: Path) -> None:
    # 20,000 epochs: far more than any machine trains in the search's share of 40 s (a fast
    # 2-core machine trains about 600 of them), so the clock, not the epochs, ends the trial.
    write_images(tmp_path / "shapes.npz", n=600, size=16)
    (tmp_path / "spec.yaml").write_text(
        """
name: slow
data: shapes.npz
space:
  type: chain
  min_layers: 2
  max_layers: 2
  ops: [conv]
  kernels: [3]
  widths: [32]
  training: {optimizer: adamw, lr: 0.01, batch_size: 32, epochs: 20000}
budget: {time: 40s, max_trials: 1}
"""
    )
    url = f"sqlite:///{tmp_path / 'runs.db'}"
    result = cli("run", "spec.yaml", "--storage", url, "--no-progress", cwd=tmp_path, timeout=300)
    assert result.returncode == 0, result.stderr
    store = open_storage(url)
    record = store.get_experiment("slow")
    (trial,) = store.trials(record.id)
    assert trial.state is TrialState.PRUNED and (trial.reason or "").startswith(CLOCK_STOP)
    (final,) = record.attrs["final"]
    assert final["stopped_by_clock"] and final["time_budget"] > 0
    model = load_model(record.attrs["export"]["folder"])
    assert model.predict(np.zeros((3, 1, 16, 16), dtype=np.float32)).shape == (3,)


@pytest.fixture
def images(tmp_path: Path) -> Path:
    return write_images(tmp_path / "digits28.npz")


def test_shorthand_spec_and_python_api_store_the_experiment_of_the_long_form(
    images: Path, tmp_path: Path
) -> None:
    import netsynth
    from netsynth.spec import compile_spec, parse_spec

    def stored(data: dict[str, object], name: str) -> dict[str, object]:
        url = f"sqlite:///{tmp_path / (name + '.db')}"
        compiled = compile_spec(
            parse_spec(data, name, tmp_path), source=name, base_dir=tmp_path, storage=url, name="x"
        )
        return compiled.experiment.record.config

    long_form = stored(
        {"data": {"dataset": str(images)}, "budget": {"time": "30s"}, "seed": 0}, "long"
    )
    short = stored({"data": str(images), "budget": {"time": 30}, "seed": 0}, "short")
    assert short == long_form
    url = f"sqlite:///{tmp_path / 'api.db'}"
    result = netsynth.search(
        str(images), time_limit=30, seed=0, storage=url, name="x", max_trials=2, progress=False
    )
    api = result.experiment.record.config
    for key in ("objective", "space", "architecture", "strategy", "scheduler", "fidelity", "seed"):
        assert api.get(key) == long_form.get(key), key
    assert api["budget"]["time_limit"] == 30
    assert result.predict(np.zeros((2, 1, 12, 12), dtype=np.float32)).shape == (2,)
    assert result.test_accuracy is not None and 0 <= result.test_accuracy <= 1
    # arrays work the same way, written to a file named by their content
    with np.load(images) as arrays:
        again = netsynth.search(
            arrays["x"], arrays["y"], time_limit=30, seed=0, storage=url, max_trials=2,
            progress=False,
        )  # fmt: skip
    assert again.experiment.record.config["architecture"] == long_form["architecture"]
