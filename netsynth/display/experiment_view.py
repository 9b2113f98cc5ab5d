"""What the displays read of an experiment: its record, objective and goal, its trials and
its leaderboard. ``netsynth.Experiment`` has all of it; the displays depend on this much only,
so that the experiment can use them (its leaderboard, its progress bar) without a cycle."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from netsynth.experiment_record import ExperimentRecord
from netsynth.objective import Objective
from netsynth.space.architecture_space import ArchitectureSpace
from netsynth.strategies.goal import Goal
from netsynth.trial_record import TrialRecord, TrialState


class ExperimentView(Protocol):
    """An experiment as the displays read it."""

    @property
    def record(self) -> ExperimentRecord: ...

    @property
    def name(self) -> str: ...

    @property
    def objective(self) -> Objective: ...

    @property
    def goal(self) -> Goal: ...

    @property
    def staged(self) -> bool: ...

    @property
    def architecture(self) -> ArchitectureSpace | None: ...

    def trials(self, states: Sequence[TrialState] | None = None) -> list[TrialRecord]: ...

    def leaderboard(self, top: int | None = None) -> list[dict[str, Any]]: ...

    def leaderboard_trials(self, top: int | None = None) -> tuple[list[TrialRecord], int]: ...


__all__ = ["ExperimentView"]
