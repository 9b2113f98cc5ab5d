"""What storage keeps of an experiment: its lifecycle state and its configuration."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any


class ExperimentState(str, enum.Enum):
    """The NeuNetS lifecycle. RETRAINING, EVALUATING and EXPORTING pass straight through for
    plain HPO; NAS estimators give them work."""

    CREATED = "CREATED"
    PREPARING = "PREPARING"
    SEARCHING = "SEARCHING"
    TUNING = "TUNING"  # stage 2 of a sequential pipeline: training hyperparameters
    RETRAINING = "RETRAINING"
    EVALUATING = "EVALUATING"
    EXPORTING = "EXPORTING"
    COMPLETED = "COMPLETED"
    FAILED = "FAILED"
    STOPPED = "STOPPED"

    @property
    def is_final(self) -> bool:
        return self in (ExperimentState.COMPLETED, ExperimentState.FAILED)


@dataclass(frozen=True)
class ExperimentRecord:
    """An experiment as storage holds it. ``config`` is the JSON the experiment was built from
    (objective, space, strategy, scheduler, budget, stopping rules, estimator); ``attrs`` holds
    what the run learns (resolved seed, elapsed time, ...); ``state_log`` lists
    ``[state, unix time]`` pairs."""

    id: int
    name: str
    state: ExperimentState
    config: dict[str, Any]
    reason: str | None = None
    attrs: dict[str, Any] = field(default_factory=dict)
    state_log: tuple[tuple[str, float], ...] = ()
    created_at: float = 0.0
    updated_at: float = 0.0
