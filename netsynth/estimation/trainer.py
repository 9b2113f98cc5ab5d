"""The trainer interface: what the runner's stages around the search (PREPARING, RETRAINING,
EVALUATING, EXPORTING) need from an estimator that trains networks, and nothing more.

An estimator that trains networks exposes one as its ``trainer`` (the training estimator is
its own; a train-less estimator lends the training estimator it decodes candidates with).
The stages themselves live in the runner (``netsynth.runner.final_stages``): an estimator
only estimates.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, cast

if TYPE_CHECKING:
    import torch

    from netsynth.data.dataset import Dataset
    from netsynth.data.splits import Splits
    from netsynth.estimation.train_loop import TensorSplit, TrainResult
    from netsynth.estimation.training import DataConfig, FinalConfig
    from netsynth.space.architecture_space import ArchitectureSpace
    from netsynth.space.genotype import Genotype
    from netsynth.training_config import TrainingConfig


class Trainer(Protocol):
    """The data a search trains on, how a candidate is trained, and where models go."""

    @property
    def space(self) -> ArchitectureSpace:
        """The architecture space candidates are decoded with."""
        ...

    @property
    def data(self) -> DataConfig:
        """The dataset and how it is split."""
        ...

    @property
    def final(self) -> FinalConfig:
        """How many of the best candidates are retrained, for how long, and where to."""
        ...

    @property
    def lde(self) -> str | None:
        """The storage URL of a shared TAPAS LDE (None: the experiment's own storage)."""
        ...

    @property
    def threads(self) -> int | None:
        """The torch threads each trial uses (None: shared among the workers)."""
        ...

    @property
    def device(self) -> torch.device: ...

    def dataset(self) -> Dataset: ...

    def splits(self) -> Splits: ...

    def tensors(self, name: str) -> TensorSplit:
        """A split ("train", "val", "test", "train+val") as tensors on the device."""
        ...

    def candidate(self, params: dict[str, Any]) -> tuple[Genotype, TrainingConfig]:
        """The repaired genotype and the training configuration of flat ``params``."""
        ...

    def fit(
        self,
        genotype: Genotype,
        training: TrainingConfig,
        seed: int,
        *,
        data: str = "train",
        validate: bool = True,
        time_budget: float | None = None,
        choose_threads: bool = False,
    ) -> tuple[torch.nn.Module, TrainResult]:
        """Build ``genotype`` with weights seeded by ``seed`` and train it on ``data``."""
        ...

    def export_dir(self, experiment_name: str) -> Path:
        """Where the experiment's retrained candidates and exported model go."""
        ...


def trainer_of(estimator: object) -> Trainer | None:
    """The trainer ``estimator`` exposes as ``trainer``, or None for one that trains no
    network (plain HPO objectives, commands, tables)."""
    return cast("Trainer | None", getattr(estimator, "trainer", None))


__all__ = ["Trainer", "trainer_of"]
