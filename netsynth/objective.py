"""The metric an experiment optimizes, and which way is better."""

from __future__ import annotations

import enum
import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from netsynth.trial_record import Outcome, TrialState


class Direction(str, enum.Enum):
    MINIMIZE = "minimize"
    MAXIMIZE = "maximize"


@dataclass(frozen=True)
class Objective:
    """``metric`` is the name under which trials report the value, e.g. ``val_acc``."""

    metric: str = "value"
    direction: Direction = Direction.MINIMIZE

    def better(self, a: float, b: float) -> bool:
        """True when ``a`` is strictly better than ``b``."""
        return a > b if self.direction is Direction.MAXIMIZE else a < b

    def reached(self, value: float, target: float) -> bool:
        """True when ``value`` is at least as good as ``target``."""
        return value >= target if self.direction is Direction.MAXIMIZE else value <= target

    def sort_key(self, value: float) -> float:
        """Ascending sort key, best first."""
        return -value if self.direction is Direction.MAXIMIZE else value

    def best(self, trials: Iterable[Outcome]) -> Outcome | None:
        """The best COMPLETE trial (earliest on ties), or None."""
        best: Outcome | None = None
        for trial in trials:
            if trial.state is not TrialState.COMPLETE or trial.value is None:
                continue
            if math.isnan(trial.value):
                continue
            if best is None or self.better(trial.value, best.value):  # type: ignore[arg-type]
                best = trial
        return best

    def to_dict(self) -> dict[str, Any]:
        return {"metric": self.metric, "direction": self.direction.value}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Objective:
        return cls(
            str(data.get("metric", "value")),
            Direction(data.get("direction", "minimize")),
        )
