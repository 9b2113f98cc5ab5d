"""What the dashboard reads from storage, through the storage API only: experiments, their
trials and what follows from them (rows of the trial table, drawings, the pick)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from netsynth.dashboard.architecture_graphs import ArchitectureGraphs
from netsynth.dashboard.trial_table import TrialRows, TrialTable
from netsynth.display.experiments import experiment_row
from netsynth.display.leaderboard import ranked
from netsynth.experiment_record import ExperimentRecord
from netsynth.objective import Objective
from netsynth.storage.storage import ExperimentNotFoundError, Storage
from netsynth.strategies.goal import Goal
from netsynth.trial_record import TrialRecord, TrialState


class NotFoundError(LookupError):
    """An experiment or trial the storage does not hold; the message names it, nothing more."""


@dataclass(frozen=True)
class ExperimentView:
    """One experiment as read at one moment: its record and all its trials."""

    record: ExperimentRecord
    trials: list[TrialRecord]
    objective: Objective = field(init=False)
    goal: Goal = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "goal", Goal.from_config(self.record.config))
        object.__setattr__(self, "objective", self.goal.objective)

    @property
    def name(self) -> str:
        return self.record.name

    def trial(self, number: int) -> TrialRecord:
        for trial in self.trials:
            if trial.number == number:
                return trial
        raise NotFoundError(f"experiment {self.name!r} has no trial {number}")

    @property
    def running(self) -> list[TrialRecord]:
        return [t for t in self.trials if t.state is TrialState.RUNNING]

    @property
    def final(self) -> dict[int, Mapping[str, Any]]:
        """The retrained and tested candidates (``attrs["final"]``), by trial number."""
        return {int(e["trial"]): e for e in self.record.attrs.get("final", []) if "trial" in e}

    @property
    def picked(self) -> Mapping[str, Any] | None:
        picked = self.record.attrs.get("picked")
        return picked if isinstance(picked, Mapping) else None

    @property
    def exportable(self) -> bool:
        """A netsynth-trained model that ``netsynth export`` can write."""
        estimator = self.record.config.get("estimator")
        return isinstance(estimator, Mapping) and estimator.get("type") == "train"

    def summary(self) -> dict[str, Any]:
        """State, progress against the budget, best value, start time and duration."""
        return experiment_row(self.record, self.trials)

    def ranks(self, trials: Sequence[TrialRecord]) -> dict[int, int]:
        """Trial id -> place on the leaderboard (1 = best)."""
        return {t.id: i for i, t in enumerate(ranked(trials, self.objective, self.goal), 1)}


class StorageReader:
    def __init__(self, storage: Storage) -> None:
        self.storage = storage
        self.table = TrialTable()
        self.graphs = ArchitectureGraphs()

    def experiments(self) -> list[dict[str, Any]]:
        return [
            experiment_row(record, self.storage.outlines(record.id, metrics=False))
            for record in self.storage.list_experiments()
        ]

    def view(self, name: str) -> ExperimentView:
        try:
            record = self.storage.get_experiment(name)
        except ExperimentNotFoundError:
            raise NotFoundError(f"no experiment named {name!r}") from None
        return ExperimentView(record, self.storage.trials(record.id))

    def rows(self, view: ExperimentView) -> TrialRows:
        return self.table.rows(view.record, view.trials, view.ranks)
