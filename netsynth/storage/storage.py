"""The storage protocol: the only record of experiments and trials.

Everything the CLI, resume, the dashboard and later TAPAS need is read back through these
methods. Implementations: ``InMemoryStorage`` and ``SQLStorage`` (SQLite, PostgreSQL); every
one passes the suite in ``netsynth.testing.storage_suite``.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from netsynth.experiment_record import ExperimentRecord, ExperimentState
from netsynth.space.distributions import ParamValue
from netsynth.trial_record import TrialRecord, TrialState

SCHEMA_VERSION = 3  # v2: trials.heartbeat_at; v3: lde_records (older files upgrade on writing)


class StorageError(Exception):
    """A storage operation could not be carried out."""


class ExperimentExistsError(StorageError):
    pass


class ExperimentNotFoundError(StorageError):
    pass


class TrialFinishedError(StorageError):
    """A write to a trial that has already finished; finished trials never change."""


class SchemaVersionError(StorageError):
    pass


class RetryExistsError(StorageError):
    """Another client already created the retry of this trial; nothing was created."""


@dataclass(frozen=True)
class TrialDraft:
    """What a new trial starts with; built once its number is known."""

    params: dict[str, ParamValue] = field(default_factory=dict)
    distributions: dict[str, dict[str, Any]] = field(default_factory=dict)
    fidelity: dict[str, Any] = field(default_factory=dict)
    bracket: int | None = None
    rung: int | None = None
    attrs: dict[str, Any] = field(default_factory=dict)


DraftFactory = Callable[[int], TrialDraft]


class Storage(Protocol):
    def create_experiment(
        self,
        name: str,
        config: Mapping[str, Any],
        attrs: Mapping[str, Any] | None = None,
    ) -> ExperimentRecord:
        """Create an experiment in state CREATED; ``ExperimentExistsError`` if the name is taken."""
        ...

    def get_experiment(self, name: str) -> ExperimentRecord:
        """``ExperimentNotFoundError`` if there is none by that name."""
        ...

    def list_experiments(self) -> list[ExperimentRecord]: ...

    def set_experiment_state(
        self,
        experiment_id: int,
        state: ExperimentState,
        reason: str | None = None,
        *,
        expected: Collection[ExperimentState] | None = None,
    ) -> bool:
        """Move to ``state``; with ``expected``, only from one of those states. True if moved."""
        ...

    def update_experiment(
        self,
        experiment_id: int,
        *,
        config: Mapping[str, Any] | None = None,
        attrs: Mapping[str, Any] | None = None,
        drop_attrs: Collection[str] = (),
    ) -> None:
        """Replace the config and/or merge keys into attrs; ``drop_attrs`` names attrs to
        remove (before ``attrs`` is merged), e.g. the results of stages to be redone."""
        ...

    def create_trial(
        self,
        experiment_id: int,
        draft: DraftFactory,
        *,
        limit: int | None = None,
        worker: str | None = None,
        retry_of: int | None = None,
    ) -> TrialRecord | None:
        """Atomically take the next trial number, call ``draft(number)`` and store a RUNNING
        trial. With ``limit``, create nothing (return None) once ``limit`` trials are running or
        finished without failing. With ``retry_of``, the trial is the retry of trial number
        ``retry_of`` (its attrs say so under ``RETRY_OF``), and there is at most one: if one
        exists, create nothing and raise ``RetryExistsError``."""
        ...

    def add_report(
        self,
        trial_id: int,
        step: int,
        metrics: Mapping[str, float],
        *,
        params: Mapping[str, ParamValue] | None = None,
        distributions: Mapping[str, Mapping[str, Any]] | None = None,
        rung: int | None = None,
        reason: str | None = None,
    ) -> None:
        """Append an intermediate report (and replace the params if given, set the trial's
        rung and its reason if given: a scheduler's decision on the report); raises
        ``TrialFinishedError`` on a finished trial."""
        ...

    def finish_trial(
        self,
        trial_id: int,
        state: TrialState,
        *,
        value: float | None = None,
        metrics: Mapping[str, float] | None = None,
        params: Mapping[str, ParamValue] | None = None,
        distributions: Mapping[str, Mapping[str, Any]] | None = None,
        reason: str | None = None,
        attrs: Mapping[str, Any] | None = None,
    ) -> None:
        """The one guarded transition RUNNING -> COMPLETE / PRUNED / FAILED. ``attrs`` are merged
        into the trial's attrs. Raises ``TrialFinishedError`` if the trial already finished."""
        ...

    def heartbeat(self, trial_ids: Collection[int]) -> None:
        """Record that the workers of these trials are alive now; finished trials are left
        untouched (a late heartbeat is not an error)."""
        ...

    def reap(self, experiment_id: int, grace_seconds: float) -> list[TrialRecord]:
        """Fail every RUNNING trial whose last heartbeat (or creation, before the first one)
        is more than ``grace_seconds`` old, with a reason starting ``LOST_WORKER``. Each trial
        goes through the one guarded transition, so of several concurrent reapers exactly one
        fails it; returns the trials this call failed."""
        ...

    def trials(
        self, experiment_id: int, states: Collection[TrialState] | None = None
    ) -> list[TrialRecord]:
        """All trials of an experiment (optionally only some states), ordered by number."""
        ...

    def trial(self, trial_id: int) -> TrialRecord: ...

    def close(self) -> None: ...
