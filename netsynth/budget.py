"""Budgets (how much search) and stopping rules (when the search has found enough)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any


@dataclass(frozen=True)
class Budget:
    """``max_trials`` counts trials that did not fail (running, complete or pruned), so an
    interrupted or failed trial is replaced and a resumed experiment ends on exactly this
    number. ``max_failed_trials`` (default: ``max_trials``) fails the experiment once more
    trials than that have failed through the objective's fault. ``max_wall_seconds`` bounds
    the search alone (as Optuna's ``timeout``); ``time_limit`` bounds the whole run, from
    PREPARING through EXPORTING, in active seconds summed across resumes (see
    ``netsynth.time_limit``)."""

    max_trials: int | None = None
    max_failed_trials: int | None = None
    max_wall_seconds: float | None = None
    max_compute_seconds: float | None = None
    time_limit: float | None = None
    # of time_limit, for retraining, test and export; "auto": settled in PREPARING
    final_share: float | str | None = None

    @property
    def failure_limit(self) -> int | None:
        return self.max_failed_trials if self.max_failed_trials is not None else self.max_trials

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v is not None}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Budget:
        return cls(**{f.name: data[f.name] for f in fields(cls) if f.name in data})


@dataclass(frozen=True)
class StoppingRules:
    """``target``: stop once a trial is at least this good. ``patience``: stop after this many
    finished trials without improving on the best."""

    target: float | None = None
    patience: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v is not None}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> StoppingRules:
        return cls(**{f.name: data[f.name] for f in fields(cls) if f.name in data})
