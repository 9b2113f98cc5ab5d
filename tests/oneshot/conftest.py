from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from netsynth.estimation.training import DataConfig
from netsynth.oneshot.config import OneShotConfig
from netsynth.oneshot.oneshot_estimator import OneShotEstimator
from netsynth.space.nb201_space import NB201Space, NB201SpaceConfig
from netsynth.space.training_space import TrainingSpaceConfig
from netsynth.training_config import TrainingConfig
from netsynth.trial import Trial
from netsynth.trial_task import TrialTask

OPS = ["none", "skip_connect", "conv_3x3", "avg_pool_3x3"]


class FakeChannel:
    """Records every report; raises (a lost worker) at report number ``crash_at``."""

    def __init__(self, crash_at: int | None = None) -> None:
        self.reports: list[tuple[int, dict[str, float]]] = []
        self.crash_at = crash_at

    def report(self, task: Any, report: Any) -> bool:
        self.reports.append((report.step, dict(report.metrics)))
        if self.crash_at is not None and len(self.reports) == self.crash_at:
            raise KeyboardInterrupt("worker lost")
        return False


@pytest.fixture(scope="session")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small learnable 1-D dataset: the class sets where a bump sits in the sequence."""
    rng = np.random.default_rng(0)
    n, length = 400, 16
    y = rng.integers(0, 4, n)
    x = rng.normal(0, 0.3, (n, 1, length)).astype(np.float32)
    for i, label in enumerate(y):
        x[i, 0, 4 * label : 4 * label + 4] += 1.5
    path = tmp_path_factory.mktemp("data") / "bumps.npz"
    np.savez(path, x=x, y=y)
    return path


def space() -> NB201Space:
    training = TrainingSpaceConfig(optimizer="sgd", lr=0.05, batch_size=64, epochs=2)
    return NB201Space(
        NB201SpaceConfig(ops=OPS, init_channels=4, cells_per_stage=1, training=training)
    )


def estimator(dataset: Path, tmp_path: Path, **options: Any) -> OneShotEstimator:
    from netsynth.estimation.training import FinalConfig

    config = OneShotConfig(**{"epochs": 3, "batch_size": 32, **options})
    return OneShotEstimator(
        space(),
        DataConfig(str(dataset)),
        config,
        FinalConfig(export_dir=str(tmp_path / "export")),
        device="cpu",
        threads=1,
    )


def make_trial(number: int = 0, crash_at: int | None = None) -> tuple[Trial, FakeChannel]:
    channel = FakeChannel(crash_at)
    nb201 = space()
    params = nb201.params_of(nb201.sample(np.random.default_rng(number)), TrainingConfig())
    task = TrialTask(trial_id=number + 1, number=number, seed=0, metric="val_acc", params=params)
    return Trial(task, channel), channel  # type: ignore[arg-type]
