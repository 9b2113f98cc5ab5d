"""Training hyperparameters of one candidate: what the training loop needs, nothing more."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields, replace
from typing import Any

OPTIMIZERS = ("adamw", "sgd")
SCHEDULES = ("onecycle", "cosine", "constant")


@dataclass(frozen=True)
class TrainingConfig:
    optimizer: str = "adamw"  # adamw | sgd (Nesterov momentum)
    lr: float = 3e-3  # peak learning rate of the schedule
    batch_size: int = 128
    momentum: float = 0.9  # SGD only
    weight_decay: float = 5e-4
    epochs: int = 20
    augment: float = 0.0  # augmentation strength in [0, 1] (see netsynth.data.augmentation)
    label_smoothing: float = 0.0
    schedule: str = "onecycle"  # lr schedule over all steps
    flip: bool = False  # images: mirror each left-right with probability 1/2 while training

    def __post_init__(self) -> None:
        if self.optimizer not in OPTIMIZERS:
            raise ValueError(
                f"unknown optimizer {self.optimizer!r}; known: {', '.join(OPTIMIZERS)}"
            )
        if self.schedule not in SCHEDULES:
            raise ValueError(f"unknown schedule {self.schedule!r}; known: {', '.join(SCHEDULES)}")
        if not (self.lr > 0 and self.batch_size >= 1 and self.epochs >= 1):
            raise ValueError("lr must be > 0, batch_size >= 1 and epochs >= 1")
        if not 0.0 <= self.augment <= 1.0:
            raise ValueError(f"augment must be in [0, 1], got {self.augment}")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TrainingConfig:
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})

    def with_epochs(self, epochs: int) -> TrainingConfig:
        return replace(self, epochs=int(epochs))
