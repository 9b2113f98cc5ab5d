"""Epoch checkpoints: a candidate's training interrupted after some epoch continues from there
in its next attempt and ends exactly where an uninterrupted run ends."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import torch
from torch import nn

from netsynth.estimation.epoch_checkpoint import EpochCheckpoint, trial_checkpoint
from netsynth.estimation.train_loop import TensorSplit, train
from netsynth.estimation.training import DataConfig, FinalConfig, TrainingEstimator
from netsynth.space.chain_space import ChainSpace
from netsynth.training_config import TrainingConfig
from netsynth.trial import Trial
from netsynth.trial_task import TrialReport, TrialTask
from tests.estimation.test_training_estimator import PARAMS, SPACE, write_sequences

pytestmark = pytest.mark.usefixtures("one_torch_thread")


class Crash(BaseException):
    """Stands in for the process dying: not an ``Exception``, so nothing cleans up."""


def data(seed: int = 0) -> TensorSplit:
    generator = torch.Generator().manual_seed(seed)
    y = torch.randint(0, 3, (96,), generator=generator)
    x = torch.randn(96, 8, generator=generator) + y[:, None].float()
    return TensorSplit(x, y)


def model() -> nn.Module:
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(8, 16), nn.Dropout(0.2), nn.ReLU(), nn.Linear(16, 3))


CONFIG = TrainingConfig(lr=0.01, batch_size=16, epochs=4, schedule="onecycle", augment=0.5)


def noisy(x: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    return x + 0.1 * torch.randn(x.shape, generator=generator, device=x.device)


def crash_after(epochs: int) -> Any:
    def on_epoch(epoch: int, metrics: dict[str, float]) -> bool:
        if epoch + 1 == epochs:
            raise Crash
        return False

    return on_epoch


def test_a_resumed_run_ends_exactly_where_an_uninterrupted_one_does(tmp_path: Path) -> None:
    whole = model()
    reference = train(whole, data(), data(1), CONFIG, augment=noisy, seed=7)

    checkpoint = EpochCheckpoint(tmp_path / "candidate-0.pt", "work")
    with pytest.raises(Crash):
        train(model(), data(), data(1), CONFIG, augment=noisy, seed=7, on_epoch=crash_after(2),
              checkpoint=checkpoint)  # fmt: skip
    assert checkpoint.path.exists()

    reported: list[int] = []
    resumed_model = model()
    resumed = train(
        resumed_model,
        data(),
        data(1),
        CONFIG,
        augment=noisy,
        seed=7,
        on_epoch=lambda epoch, metrics: reported.append(epoch) is not None,
        checkpoint=checkpoint,
    )
    assert resumed.resumed_from_epoch == 2
    assert reported == [0, 1, 2, 3]  # the restored epochs are reported again, then the rest
    assert resumed.curve == reference.curve
    assert resumed.val_acc == reference.val_acc and resumed.best_val_acc == reference.best_val_acc
    for name, tensor in whole.state_dict().items():
        assert torch.equal(tensor, resumed_model.state_dict()[name]), name


def test_a_stop_decided_on_a_restored_epoch_ends_the_run_there(tmp_path: Path) -> None:
    checkpoint = EpochCheckpoint(tmp_path / "candidate-0.pt", "work")
    with pytest.raises(Crash):
        train(model(), data(), data(1), CONFIG, seed=7, on_epoch=crash_after(3),
              checkpoint=checkpoint)  # fmt: skip
    result = train(model(), data(), data(1), CONFIG, seed=7, on_epoch=lambda e, m: e == 1,
                   checkpoint=checkpoint)  # fmt: skip
    assert result.epochs == 3  # restored; nothing more trained
    assert result.stopped_early


def test_a_checkpoint_of_other_work_or_a_damaged_one_is_ignored(tmp_path: Path) -> None:
    path = tmp_path / "candidate-0.pt"
    EpochCheckpoint(path, "work-a").save({"epochs": 1})
    assert EpochCheckpoint(path, "work-a").load() == {"epochs": 1}
    assert EpochCheckpoint(path, "work-b").load() is None
    path.write_bytes(b"not a checkpoint")
    assert EpochCheckpoint(path, "work-a").load() is None
    EpochCheckpoint(path, "work-a").discard()
    assert not path.exists()


@dataclass
class Channel:
    crash_at_step: int | None = None
    steps: list[int] = field(default_factory=list)

    def report(self, task: TrialTask, report: TrialReport) -> bool:
        self.steps.append(report.step)
        if report.step == self.crash_at_step:
            raise Crash
        return False

    def heartbeat(self, task: TrialTask) -> None:
        pass


def attempt(number: int, channel: Channel, first_attempt: int | None = None) -> Trial:
    task = TrialTask(
        trial_id=number + 1,
        number=number,
        seed=3,
        metric="val_acc",
        params=dict(PARAMS),
        fidelity={"epochs": 3},
        experiment="resume",
        first_attempt=first_attempt,
    )
    return Trial(task, channel)


def estimator_in(folder: Path) -> TrainingEstimator:
    dataset = write_sequences(folder / "sequences.npz")
    final = FinalConfig(export_dir=str(folder / "models"))
    return TrainingEstimator(ChainSpace(SPACE), DataConfig(str(dataset)), final, device="cpu")


def test_a_retry_of_a_lost_trial_continues_from_its_last_epoch(tmp_path: Path) -> None:
    estimator = estimator_in(tmp_path)
    uninterrupted = estimator.estimate(attempt(0, Channel()))

    lost = attempt(0, Channel(crash_at_step=2))
    with pytest.raises(Crash):
        estimator.estimate(lost)
    saved = trial_checkpoint(tmp_path / "models", lost, {}).path
    assert saved.exists()

    channel = Channel()
    retry = attempt(4, channel, first_attempt=0)  # trial 4 retries trial 0's candidate
    resumed = estimator.estimate(retry)
    assert retry.attrs["resumed_from_epoch"] == 2
    assert channel.steps == [1, 2, 3]
    assert resumed["val_acc"] == uninterrupted["val_acc"]
    assert resumed["train_loss"] == uninterrupted["train_loss"]
    assert not saved.exists()  # finished: nothing left to resume


def test_a_failing_candidate_leaves_no_checkpoint(tmp_path: Path) -> None:
    estimator = estimator_in(tmp_path)

    class Failing(Channel):
        def report(self, task: TrialTask, report: TrialReport) -> bool:
            raise RuntimeError("the objective failed")

    failing = attempt(0, Failing())
    with pytest.raises(RuntimeError):
        estimator.estimate(failing)
    assert not trial_checkpoint(tmp_path / "models", failing, {}).path.exists()
