"""What a strategy optimizes: the objective, constraints on other metrics, and the further
objectives of a Pareto search.

Single-objective strategies rank trials by ``Goal.score``: the objective turned so that larger is
better, and every trial that breaks a constraint below every trial that keeps them all (ranked
among themselves by how far they break them). So any strategy searches "the most accurate
network under 20k parameters" without knowing about constraints.

>>> from netsynth.objective import Direction, Objective
>>> goal = Goal(Objective("val_acc", Direction.MAXIMIZE), constraints={"params": 20_000})
>>> goal.score_of(0.9, {"params": 30_000}) < goal.score_of(0.5, {"params": 10_000})
True
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from netsynth.objective import Direction, Objective
from netsynth.trial_record import TrialOutcome, TrialRecord, TrialState

# Below any feasible score: constraint violations map to (-_INFEASIBLE - violation).
_INFEASIBLE = 1e12


@dataclass(frozen=True)
class Goal:
    objective: Objective = field(default_factory=Objective)
    constraints: Mapping[str, float] = field(default_factory=dict)  # metric -> largest allowed
    pareto: tuple[Objective, ...] = ()  # objectives traded off against ``objective``

    @property
    def objectives(self) -> tuple[Objective, ...]:
        """Every objective of the Pareto search, the main one first."""
        return (self.objective, *self.pareto)

    def violation(self, metrics: Mapping[str, float]) -> float:
        """How far ``metrics`` break the constraints, relative to each bound (0 = feasible).
        A constrained metric that was not reported counts as broken."""
        total = 0.0
        for metric, bound in self.constraints.items():
            value = metrics.get(metric)
            if value is None or math.isnan(value):
                total += 1.0
            elif value > bound:
                total += (value - bound) / max(abs(bound), 1e-12)
        return total

    def broken(self, trial: TrialOutcome) -> list[str]:
        """The constraints a finished trial breaks, as ``"params > 20000"`` texts."""
        metrics = {**trial.metrics, **_value_metric(self, trial)}
        out = []
        for metric, bound in self.constraints.items():
            value = metrics.get(metric)
            if value is None or math.isnan(value):
                out.append(f"{metric} not reported")
            elif value > bound:
                out.append(f"{metric} > {bound:g}")
        return out

    def score_of(self, value: float | None, metrics: Mapping[str, float]) -> float | None:
        if value is None or math.isnan(value):
            return None
        oriented = value if self.objective.direction is Direction.MAXIMIZE else -value
        broken = self.violation(metrics)
        return oriented if broken == 0.0 else -_INFEASIBLE - broken

    def score(self, trial: TrialRecord, *, stopped_early: bool = False) -> float | None:
        """Larger is better; None for trials without a usable value (running, failed...).
        ``stopped_early``: also score PRUNED trials, by the value they had when stopped."""
        usable = (
            (TrialState.COMPLETE, TrialState.PRUNED) if stopped_early else (TrialState.COMPLETE,)
        )
        if trial.state not in usable:
            return None
        return self.score_of(trial.value, {**trial.metrics, **_value_metric(self, trial)})

    def values(self, trial: TrialRecord) -> list[float] | None:
        """The trial's value for each of ``objectives`` (None if one is missing)."""
        if trial.state is not TrialState.COMPLETE or trial.value is None:
            return None
        out = [trial.value]
        for objective in self.pareto:
            value = trial.metrics.get(objective.metric)
            if value is None or math.isnan(value):
                return None
            out.append(float(value))
        return None if math.isnan(out[0]) else out

    def to_dict(self) -> dict[str, Any]:
        return {
            "constraints": dict(self.constraints),
            "pareto": [objective.to_dict() for objective in self.pareto],
        }

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Goal:
        """The goal of a stored experiment config (its ``objective`` and ``goal`` keys)."""
        data = config.get("goal") or {}
        return cls(
            Objective.from_dict(config.get("objective", {})),
            {str(k): float(v) for k, v in (data.get("constraints") or {}).items()},
            tuple(Objective.from_dict(o) for o in data.get("pareto") or ()),
        )


def _value_metric(goal: Goal, trial: TrialOutcome) -> dict[str, float]:
    """The objective's own metric, so that a constraint may name it too."""
    return {goal.objective.metric: trial.value} if trial.value is not None else {}


def pareto_front(trials: Sequence[TrialRecord], goal: Goal) -> list[TrialRecord]:
    """The feasible COMPLETE trials no other feasible trial dominates, best main objective
    first. A trial dominates another when it is at least as good in every objective and
    strictly better in one."""
    points: list[tuple[TrialRecord, list[float]]] = []
    for trial in trials:
        values = goal.values(trial)
        if values is None or goal.violation({**trial.metrics, **_value_metric(goal, trial)}):
            continue
        signs = [1.0 if o.direction is Direction.MAXIMIZE else -1.0 for o in goal.objectives]
        points.append((trial, [s * v for s, v in zip(signs, values, strict=True)]))
    front = [
        (trial, p)
        for trial, p in points
        if not any(all(a >= b for a, b in zip(q, p, strict=True)) and q != p for _, q in points)
    ]
    front.sort(key=lambda item: (-item[1][0], item[0].number))
    return [trial for trial, _ in front]
