"""The training estimator on a tiny synthetic dataset: what a trial reports and records,
fidelities, early stopping, reproducibility, and what crosses a process boundary."""

from __future__ import annotations

import json
import pickle
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import cloudpickle
import numpy as np
import pytest
import torch

from netsynth.estimation.train_loop import TrainResult, train
from netsynth.estimation.training import (
    DataConfig,
    FinalConfig,
    TrainingEstimator,
    candidate_seed,
)
from netsynth.space.chain_genotype import ChainGenotype
from netsynth.space.chain_space import ChainSpace, ChainSpaceConfig, Range, TrainingSpaceConfig
from netsynth.space.distributions import ParamValue
from netsynth.trial import Trial
from netsynth.trial_task import TrialReport, TrialTask

# Tiny nets train far faster on one thread than on two (thread overhead dominates).
pytestmark = pytest.mark.usefixtures("one_torch_thread")


@dataclass
class FakeChannel:
    """Records every report; asks the trial to stop from report number ``stop_after`` on."""

    stop_after: int | None = None
    reports: list[tuple[int, dict[str, float]]] = field(default_factory=list)

    def report(self, task: TrialTask, report: TrialReport) -> bool:
        self.reports.append((report.step, dict(report.metrics)))
        return self.stop_after is not None and len(self.reports) > self.stop_after


SPACE = ChainSpaceConfig(
    min_layers=1,
    max_layers=3,
    ops=["conv", "maxpool", "dense"],
    kernels=[3],
    widths=[8, 16],
    activations=["relu"],
    norms=["batch", "none"],
    dropouts=[0.0],
    training=TrainingSpaceConfig(
        optimizer="adamw",
        lr=Range(low=3e-3, high=3e-2, log=True),
        batch_size=[16, 32],
        weight_decay=1e-4,
        epochs=2,
        augment=[0.0, 0.5],
    ),
)
# conv16 (batch norm) > global pool > dense8 > linear
PARAMS: dict[str, ParamValue] = {
    "layers": 2,
    "l0.op": "conv",
    "l0.width": 16,
    "l0.norm": "batch",
    "l1.op": "dense",
    "l1.width": 8,
    "l1.norm": "none",
    "lr": 0.01,
    "batch_size": 16,
    "augment": 0.5,
}
TRAIN_SIZE = 108  # 3 classes x 60 samples, 20% validation, 20% test: 36 per class left


def write_sequences(path: Path, per_class: int = 60, length: int = 16) -> Path:
    """Three classes of (1, length) sequences whose means differ by class."""
    rng = np.random.default_rng(0)
    y = np.repeat(np.arange(3), per_class)
    x = rng.normal(size=(len(y), 1, length)) + 1.5 * (y[:, None, None] - 1.0)
    np.savez(path, x=x.astype(np.float32), y=y)
    return path


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_sequences(tmp_path_factory.mktemp("data") / "sequences.npz")


def estimator(dataset: Path) -> TrainingEstimator:
    return TrainingEstimator(ChainSpace(SPACE), DataConfig(str(dataset)), device="cpu", threads=1)


def make_trial(
    params: dict[str, ParamValue] | None = None,
    *,
    fidelity: dict[str, Any] | None = None,
    channel: FakeChannel | None = None,
    number: int = 0,
    seed: int = 0,
) -> tuple[Trial, FakeChannel]:
    channel = channel or FakeChannel()
    task = TrialTask(
        trial_id=number + 1,
        number=number,
        seed=seed,
        metric="val_acc",
        params=dict(PARAMS if params is None else params),
        fidelity=dict(fidelity or {}),
    )
    return Trial(task, channel), channel


def test_params_used_here_are_valid_in_the_flat_space() -> None:
    ChainSpace(SPACE).flat().validate(PARAMS)


def test_estimate_reports_every_epoch_and_returns_the_metrics(dataset: Path) -> None:
    trial, channel = make_trial()
    metrics = estimator(dataset).estimate(trial)
    assert [step for step, _ in channel.reports] == [1, 2]
    for _, reported in channel.reports:
        assert set(reported) == {"val_acc", "val_loss", "train_loss"}
        assert 0.0 <= reported["val_acc"] <= 1.0
        assert np.isfinite(reported["val_loss"]) and np.isfinite(reported["train_loss"])
    assert metrics["val_acc"] == channel.reports[-1][1]["val_acc"]
    assert metrics["val_loss"] == channel.reports[-1][1]["val_loss"]
    assert metrics["best_val_acc"] == max(r["val_acc"] for _, r in channel.reports)
    assert metrics["epochs"] == 2
    # conv: 1*16*3 weights + 2*16 batch norm; dense: 16*8 + 8; classifier: 8*3 + 3
    assert metrics["params"] == 48 + 32 + 136 + 27
    # 2 FLOPs per multiply-add: conv 16x3 at 16 positions, dense 16x8, classifier 8x3
    assert metrics["flops"] == 2 * (16 * 3 * 16 + 16 * 8 + 8 * 3)
    assert metrics["train_seconds"] > 0
    assert all(isinstance(value, float) for value in metrics.values())


def test_estimate_records_the_genotype_training_and_provenance(dataset: Path) -> None:
    trial, _ = make_trial(number=3, seed=5)
    est = estimator(dataset)
    est.estimate(trial)
    attrs = trial.attrs
    json.dumps(attrs)  # stored with the trial: must be plain JSON
    genotype = ChainGenotype.from_dict(attrs["genotype"])
    assert genotype == est.candidate(PARAMS)[0]
    assert attrs["genotype_hash"] == genotype.hash()
    assert (
        attrs["architecture"]
        == genotype.describe()
        == "conv3x16-bn-relu > gavgp > dense8-relu > linear"
    )
    assert attrs["training"] == est.candidate(PARAMS)[1].to_dict()
    assert attrs["training"]["lr"] == 0.01 and attrs["training"]["epochs"] == 2
    provenance = attrs["provenance"]
    assert provenance["seed"] == candidate_seed(5, 3)
    assert provenance["device"] == "cpu"
    assert provenance["torch"] == torch.__version__
    assert provenance["wall_seconds"] > 0


def test_estimate_honours_should_stop(dataset: Path) -> None:
    trial, channel = make_trial(channel=FakeChannel(stop_after=0))
    metrics = estimator(dataset).estimate(trial)
    assert [step for step, _ in channel.reports] == [1]
    assert metrics["epochs"] == 1
    assert metrics["val_acc"] == channel.reports[0][1]["val_acc"]


def test_epochs_fidelity_trains_that_many_epochs(dataset: Path) -> None:
    trial, channel = make_trial(fidelity={"epochs": 1})
    metrics = estimator(dataset).estimate(trial)
    assert len(channel.reports) == 1
    assert metrics["epochs"] == 1
    assert trial.attrs["training"]["epochs"] == 1


def test_width_multiplier_fidelity_trains_a_narrower_net(dataset: Path) -> None:
    est = estimator(dataset)
    full = est.estimate(make_trial()[0])
    half = est.estimate(make_trial(fidelity={"width_multiplier": 0.5})[0])
    assert half["params"] < full["params"]
    assert half["flops"] < full["flops"]
    # conv 8 channels: 1*8*3 + 2*8; dense 4: 8*4 + 4; classifier: 4*3 + 3
    assert half["params"] == 24 + 16 + 36 + 15


def test_data_fraction_fidelity_trains_on_part_of_the_data(
    dataset: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sizes: list[int] = []

    def recording_train(model: Any, data: Any, *args: Any, **kwargs: Any) -> TrainResult:
        sizes.append(len(data.y))
        return train(model, data, *args, **kwargs)

    monkeypatch.setattr("netsynth.estimation.training.train", recording_train)
    est = estimator(dataset)
    metrics = est.estimate(make_trial(fidelity={"data_fraction": 0.25})[0])
    est.estimate(make_trial()[0])
    assert sizes == [TRAIN_SIZE // 4, TRAIN_SIZE]
    assert np.isfinite(metrics["val_acc"]) and metrics["epochs"] == 2


def test_resolution_fidelity_trains_on_shorter_inputs(
    dataset: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shapes: list[tuple[int, ...]] = []

    def recording_train(model: Any, data: Any, val: Any, *args: Any, **kwargs: Any) -> TrainResult:
        shapes.append((*data.x.shape[1:], *val.x.shape[1:]))
        return train(model, data, val, *args, **kwargs)

    monkeypatch.setattr("netsynth.estimation.training.train", recording_train)
    est = estimator(dataset)
    half = est.estimate(make_trial(fidelity={"resolution": 0.5})[0])
    full = est.estimate(make_trial()[0])
    assert shapes == [(1, 8, 1, 8), (1, 16, 1, 16)]  # sequences of 16 scaled to 8
    assert half["flops"] < full["flops"] and half["params"] == full["params"]
    with pytest.raises(ValueError, match="resolution must be in"):
        est.estimate(make_trial(fidelity={"resolution": 1.5})[0])


def test_unknown_fidelity_raises_value_error(dataset: Path) -> None:
    trial, channel = make_trial(fidelity={"pixels": 0.5})
    with pytest.raises(ValueError, match="unknown fidelity"):
        estimator(dataset).estimate(trial)
    assert channel.reports == []


def test_same_trial_number_and_seed_give_the_same_result(dataset: Path) -> None:
    first = estimator(dataset).estimate(make_trial(number=2, seed=9)[0])
    second = estimator(dataset).estimate(make_trial(number=2, seed=9)[0])
    assert first["val_acc"] == second["val_acc"]
    assert first["val_loss"] == second["val_loss"]
    assert first["train_loss"] == second["train_loss"]
    other = estimator(dataset).estimate(make_trial(number=3, seed=9)[0])
    assert other["train_loss"] != first["train_loss"]


def test_candidate_seed_depends_on_experiment_seed_and_number() -> None:
    seeds = {candidate_seed(seed, number) for seed in range(5) for number in range(20)}
    assert len(seeds) == 100
    assert candidate_seed(1, 2) == candidate_seed(1, 2)
    assert all(0 <= s < 2**31 for s in seeds)


def test_estimator_round_trips_through_its_dict(dataset: Path) -> None:
    est = TrainingEstimator(
        ChainSpace(SPACE),
        DataConfig(str(dataset), options={"kind": "sequence"}, val_fraction=0.25, seed=3),
        FinalConfig(top_k=2, epochs=5, export_dir="/tmp/out"),
        device="cpu",
        threads=2,
    )
    data = json.loads(json.dumps(est.to_dict()))
    copy = TrainingEstimator.from_dict(data)
    assert copy.to_dict() == est.to_dict()
    assert copy.space.flat() == est.space.flat()
    assert copy.data == est.data
    assert copy.final == est.final
    assert (copy.device_name, copy.threads) == ("cpu", 2)


def test_pickling_never_carries_the_loaded_data(tmp_path: Path) -> None:
    path = write_sequences(tmp_path / "larger.npz", per_class=200, length=128)
    est = estimator(path)
    splits = est.splits()
    est.tensors("train")
    est.tensors("val")
    data_bytes = splits.train.x.nbytes + splits.val.x.nbytes + splits.test.x.nbytes
    assert data_bytes > 250_000  # carrying the data could not go unnoticed
    blob = cloudpickle.dumps(est)
    assert len(blob) < 50_000
    assert est.splits() is splits  # pickling left the original alone
    copy = pickle.loads(blob)
    assert copy.to_dict() == est.to_dict()
    trial, channel = make_trial(fidelity={"epochs": 1})
    metrics = copy.estimate(trial)
    assert len(channel.reports) == 1 and 0.0 <= metrics["val_acc"] <= 1.0
    assert np.array_equal(copy.splits().train.x, splits.train.x)


def test_random_candidates_of_the_space_all_train(dataset: Path) -> None:
    est = estimator(dataset)
    rng = np.random.default_rng(0)
    for number in range(6):
        params = est.space.flat().sample(rng)
        trial, channel = make_trial(params, fidelity={"epochs": 1}, number=number)
        metrics = est.estimate(trial)
        assert len(channel.reports) == 1
        assert np.isfinite(metrics["val_loss"])


@pytest.mark.parametrize("shape", [(1, 8, 8), (3, 6, 6), (13,)], ids=str)
def test_estimate_works_for_images_and_tables_with_augmentation(
    shape: tuple[int, ...], tmp_path: Path
) -> None:
    rng = np.random.default_rng(0)
    y = np.repeat(np.arange(3), 30)
    x = rng.normal(size=(len(y), *shape)) + y.reshape(-1, *([1] * len(shape)))
    path = tmp_path / "data.npz"
    np.savez(path, x=x.astype(np.float32), y=y)
    est = estimator(path)
    params = {**PARAMS, "layers": 3, "l1.op": "maxpool", "l2.op": "dense", "l2.width": 8}
    params["l2.norm"] = params.pop("l1.norm")
    del params["l1.width"]
    est.space.flat().validate(params)
    trial, channel = make_trial(params)
    metrics = est.estimate(trial)
    assert [step for step, _ in channel.reports] == [1, 2]
    assert np.isfinite(metrics["val_loss"])
    expected = "dense16-bn-relu > dense8-relu" if len(shape) == 1 else "maxpool2"
    assert expected in trial.attrs["architecture"]
