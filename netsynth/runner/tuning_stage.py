"""Sequential NAS then HPO (``mode: sequential``): architectures first, then their training.

    stage 1  SEARCHING  architectures, each trained with default training hyperparameters
                        (the experiment's own space, strategy and budget)
    stage 2  TUNING     training hyperparameters (learning rate, batch size, momentum, weight
                        decay, augmentation, ...) of the top-k architectures of stage 1, with
                        the stage's own strategy, scheduler and budget (config["tuning"])

Both stages are trials of one experiment, so the leaderboard, retraining and export see them
all; stage-2 trials carry ``attrs["stage"] = "tuning"``. The shortlist of stage 1 is stored in
the experiment's attrs when stage 2 begins, so a resumed experiment continues stage 2 with the
same shortlist and never reruns stage 1.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from netsynth.experiment_record import ExperimentRecord
from netsynth.space.shortlist_space import ShortlistSpace
from netsynth.space.training_space import Range, TrainingSpaceConfig
from netsynth.training_config import TrainingConfig

TUNING = "tuning"  # the stage's name: config key, trial attr, experiment attr


@dataclass(frozen=True)
class TuningStage:
    """Stage 2 of a sequential pipeline, as stored in ``config["tuning"]``."""

    top_k: int = 3
    strategy: Mapping[str, Any] = field(default_factory=lambda: {"name": "tpe"})
    scheduler: Mapping[str, Any] = field(default_factory=lambda: {"name": "fifo"})
    budget: Mapping[str, Any] = field(default_factory=dict)
    stopping: Mapping[str, Any] = field(default_factory=dict)
    training: TrainingSpaceConfig = field(default_factory=TrainingSpaceConfig)

    def __post_init__(self) -> None:
        if self.top_k < 1:
            raise ValueError(f"tuning.top_k must be >= 1, got {self.top_k}")
        if not any(
            self.budget.get(k) for k in ("max_trials", "max_wall_seconds", "max_compute_seconds")
        ):
            raise ValueError(
                "tuning.budget: set max_trials, max_wall_seconds or max_compute_seconds"
            )

    def to_dict(self) -> dict[str, Any]:
        return {
            "top_k": self.top_k,
            "strategy": dict(self.strategy),
            "scheduler": dict(self.scheduler),
            "budget": dict(self.budget),
            "stopping": dict(self.stopping),
            "training": self.training.model_dump(mode="json"),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TuningStage:
        return cls(
            top_k=int(data.get("top_k", 3)),
            strategy=dict(data.get("strategy", {"name": "tpe"})),
            scheduler=dict(data.get("scheduler", {"name": "fifo"})),
            budget=dict(data.get("budget", {})),
            stopping=dict(data.get("stopping", {})),
            training=TrainingSpaceConfig.model_validate(data.get("training", {})),
        )


_DEFAULTS = TrainingConfig()


def stage_one_training(training: TrainingSpaceConfig) -> TrainingSpaceConfig:
    """Stage 1's training: what the user fixed stays; every searched setting takes netsynth's
    default (``TrainingConfig``), and searched epochs the largest value listed."""
    fixed: dict[str, Any] = {}
    for name in TrainingSpaceConfig.model_fields:
        value = getattr(training, name)
        if not isinstance(value, (list, Range)):
            continue
        if name == "epochs":
            fixed[name] = max(value) if isinstance(value, list) else value
        else:
            fixed[name] = getattr(_DEFAULTS, name)
    return training.model_copy(update=fixed)


def tuning_config(record: ExperimentRecord) -> dict[str, Any]:
    """The config stage 2 runs with: the experiment's, with the stage's own space (the
    shortlist x the training hyperparameters), strategy, scheduler, budget and stopping."""
    stage = TuningStage.from_dict(record.config[TUNING])
    entries = record.attrs.get(TUNING, {}).get("shortlist")
    if not entries:
        raise RuntimeError(f"experiment {record.name!r} has no stage-2 shortlist yet")
    space = ShortlistSpace.from_dict(
        {"type": "shortlist", "candidates": entries, "training": stage.to_dict()["training"]}
    )
    return {
        **record.config,
        "architecture": space.to_dict(),
        "space": space.flat().to_dict(),
        "strategy": dict(stage.strategy),
        "scheduler": dict(stage.scheduler),
        "budget": dict(stage.budget),
        "stopping": dict(stage.stopping),
    }


def has_shortlist(record: ExperimentRecord) -> bool:
    return bool(record.attrs.get(TUNING, {}).get("shortlist"))


__all__ = [
    "TUNING",
    "TuningStage",
    "has_shortlist",
    "stage_one_training",
    "tuning_config",
]
