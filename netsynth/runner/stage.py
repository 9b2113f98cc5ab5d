"""Which search of an experiment a driver runs: the search itself (stage 1, or the only one),
or stage 2 of a sequential pipeline (``"tuning"``, see ``tuning_stage``).

Everything that differs between the two is here, as one parameter of the driver: the config
the stage searches with, the lifecycle states it runs in, the attr that accumulates its
search time, and which trials are its own.

>>> SEARCH.seconds_key, TUNING_SEARCH.seconds_key
('search_seconds', 'tuning_seconds')
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from netsynth.experiment_record import ExperimentRecord, ExperimentState
from netsynth.runner.tuning_stage import TUNING, tuning_config
from netsynth.trial_record import TrialRecord


@dataclass(frozen=True)
class SearchStage:
    """One search of an experiment; ``name`` is what its trials carry as ``attrs["stage"]``
    (None for the search itself)."""

    name: str | None = None

    def config(self, record: ExperimentRecord) -> dict[str, Any]:
        """The config this stage searches with: the experiment's, or stage 2's own space,
        strategy, scheduler, budget and stopping."""
        return record.config if self.name is None else tuning_config(record)

    @property
    def states(self) -> tuple[ExperimentState, ...]:
        """The lifecycle states in which this stage's search runs."""
        if self.name is None:
            return (ExperimentState.PREPARING, ExperimentState.SEARCHING)
        return (ExperimentState.TUNING,)

    @property
    def seconds_key(self) -> str:
        """The experiment attr that accumulates this stage's search time."""
        return "search_seconds" if self.name is None else f"{self.name}_seconds"

    def holds(self, trial: TrialRecord) -> bool:
        """Whether ``trial`` belongs to this stage."""
        return trial.attrs.get("stage") == self.name


SEARCH = SearchStage()
TUNING_SEARCH = SearchStage(TUNING)

__all__ = ["SEARCH", "TUNING_SEARCH", "SearchStage"]
