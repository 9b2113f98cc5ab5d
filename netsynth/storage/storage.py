"""The storage interface: the only record of experiments and trials.

Everything the CLI, resume, the dashboard and later TAPAS need is read back through these
methods. Implementations: ``InMemoryStorage`` and ``SQLStorage`` (SQLite, PostgreSQL); every
one passes the suite in ``netsynth.testing.storage_suite``.
"""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from netsynth.experiment_record import ExperimentRecord, ExperimentState
from netsynth.space.distributions import ParamValue
from netsynth.trial_record import RETRY_OF, Report, TrialOutline, TrialRecord, TrialState

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


ExperimentChange = Callable[[ExperimentRecord], dict[str, Any] | None]
"""Given an experiment as stored, the fields to replace (``ExperimentRecord``'s names), or None
to leave it as it is."""

NewTrial = Callable[[int], TrialRecord]
"""Given the number a new trial takes, the RUNNING trial to store (its id not yet given)."""


class Storage(ABC):
    """What every backend is: subclass it and implement the abstract methods.

    The public methods that write keep the rules every backend shares (the first state of an
    experiment, how attrs merge, which states finish a trial, how a retry is marked) and hand
    the backend's hooks (the abstract ``_`` methods) plain dicts, already copied from the
    caller's mappings, in the field names of ``ExperimentRecord`` and ``TrialRecord``.
    """

    def create_experiment(
        self,
        name: str,
        config: Mapping[str, Any],
        attrs: Mapping[str, Any] | None = None,
    ) -> ExperimentRecord:
        """Create an experiment in state CREATED; ``ExperimentExistsError`` if the name is taken."""
        now = time.time()
        created = ExperimentState.CREATED
        return self._create_experiment(
            ExperimentRecord(
                id=0,
                name=name,
                state=created,
                config=dict(config),
                attrs=dict(attrs or {}),
                state_log=((created.value, now),),
                created_at=now,
                updated_at=now,
            )
        )

    @abstractmethod
    def _create_experiment(self, record: ExperimentRecord) -> ExperimentRecord:
        """Store ``record`` under a new id and return it as stored; ``ExperimentExistsError``
        if its name is taken."""

    @abstractmethod
    def get_experiment(self, name: str) -> ExperimentRecord:
        """``ExperimentNotFoundError`` if there is none by that name."""

    @abstractmethod
    def list_experiments(self) -> list[ExperimentRecord]:
        """Every experiment, ordered by id."""

    def set_experiment_state(
        self,
        experiment_id: int,
        state: ExperimentState,
        reason: str | None = None,
        *,
        expected: Collection[ExperimentState] | None = None,
    ) -> bool:
        """Move to ``state``; with ``expected``, only from one of those states. True if moved."""

        def moved(record: ExperimentRecord) -> dict[str, Any] | None:
            if expected is not None and record.state not in expected:
                return None
            now = time.time()
            return {
                "state": state,
                "reason": reason,
                "state_log": (*record.state_log, (state.value, now)),
                "updated_at": now,
            }

        return self._change_experiment(experiment_id, moved)

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

        def updated(record: ExperimentRecord) -> dict[str, Any]:
            changes: dict[str, Any] = {"updated_at": time.time()}
            if config is not None:
                changes["config"] = dict(config)
            if attrs or drop_attrs:
                kept = {k: v for k, v in record.attrs.items() if k not in drop_attrs}
                changes["attrs"] = {**kept, **(attrs or {})}
            return changes

        self._change_experiment(experiment_id, updated)

    @abstractmethod
    def _change_experiment(self, experiment_id: int, change: ExperimentChange) -> bool:
        """In one atomic step, read the experiment, call ``change`` on it and store the fields
        it returns; False (and nothing stored) if it returns None. ``ExperimentNotFoundError``
        if there is no such experiment."""

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

        def running(number: int) -> TrialRecord:
            made = draft(number)
            attrs = made.attrs if retry_of is None else {**made.attrs, RETRY_OF: retry_of}
            now = time.time()
            return TrialRecord(
                id=0,
                experiment_id=experiment_id,
                number=number,
                state=TrialState.RUNNING,
                params=dict(made.params),
                distributions=dict(made.distributions),
                fidelity=dict(made.fidelity),
                bracket=made.bracket,
                rung=made.rung,
                attrs=dict(attrs),
                worker=worker,
                created_at=now,
                heartbeat_at=now,
            )

        return self._create_trial(experiment_id, running, limit, retry_of)

    @abstractmethod
    def _create_trial(
        self, experiment_id: int, running: NewTrial, limit: int | None, retry_of: int | None
    ) -> TrialRecord | None:
        """In one atomic step: None if ``limit`` trials are running or finished without
        failing, ``RetryExistsError`` if trial number ``retry_of`` already has a retry,
        ``ExperimentNotFoundError`` if there is no such experiment; else take the next number,
        store ``running(number)`` under a new id and return it as stored."""

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
        changes = _replaced(params, distributions)
        if rung is not None:
            changes["rung"] = int(rung)
        if reason is not None:
            changes["reason"] = reason
        self._add_report(trial_id, Report(int(step), dict(metrics)), changes)

    @abstractmethod
    def _add_report(self, trial_id: int, report: Report, changes: dict[str, Any]) -> None:
        """In one atomic step, append ``report`` to a RUNNING trial and replace the fields in
        ``changes``; ``TrialFinishedError`` on a finished trial."""

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
        if not state.is_finished:
            raise StorageError("a trial can only be finished as COMPLETE, PRUNED or FAILED")
        changes = {
            "state": state,
            "value": value,
            "metrics": dict(metrics or {}),
            "reason": reason,
            "finished_at": time.time(),
            **_replaced(params, distributions),
        }
        self._finish_trial(trial_id, changes, dict(attrs or {}))

    @abstractmethod
    def _finish_trial(self, trial_id: int, changes: dict[str, Any], attrs: dict[str, Any]) -> None:
        """The guarded transition: in one atomic step, replace the fields in ``changes`` of a
        RUNNING trial and merge ``attrs`` into its attrs; ``TrialFinishedError`` if it already
        finished. A trial finished as FAILED no longer counts against ``create_trial``'s
        ``limit``."""

    @abstractmethod
    def heartbeat(self, trial_ids: Collection[int]) -> None:
        """Record that the workers of these trials are alive now; finished trials are left
        untouched (a late heartbeat is not an error)."""

    @abstractmethod
    def reap(self, experiment_id: int, grace_seconds: float) -> list[TrialRecord]:
        """Fail every RUNNING trial whose last heartbeat (or creation, before the first one)
        is more than ``grace_seconds`` old, with a reason starting ``LOST_WORKER``. Each trial
        goes through the one guarded transition, so of several concurrent reapers exactly one
        fails it; returns the trials this call failed."""

    @abstractmethod
    def trials(
        self, experiment_id: int, states: Collection[TrialState] | None = None
    ) -> list[TrialRecord]:
        """All trials of an experiment (optionally only some states), ordered by number."""

    def outlines(self, experiment_id: int, *, metrics: bool = True) -> list[TrialOutline]:
        """Every trial's ``TrialOutline`` (id, number, state, value; metrics only when
        ``metrics``), ordered by number: what ranking and counting read. SQL backends read
        just those columns; this default takes them from ``trials``."""
        return [
            TrialOutline(t.id, t.number, t.state, t.value, dict(t.metrics) if metrics else {})
            for t in self.trials(experiment_id)
        ]

    def trials_by_id(self, trial_ids: Sequence[int]) -> list[TrialRecord]:
        """The full records of these trials, in the order given; ``StorageError`` if one is
        missing. With ``outlines``, a reader ranks every trial and then reads only the few it
        shows."""
        return [self.trial(trial_id) for trial_id in trial_ids]

    def history(self, experiment_id: int) -> Sequence[TrialRecord]:
        """All trials of an experiment, ordered by number, for a search to read before each
        proposal. Storages that keep the records in memory return a ``TrialHistory`` view
        (taken in constant time, each trial as it is now); this default copies ``trials``."""
        return self.trials(experiment_id)

    @abstractmethod
    def trial(self, trial_id: int) -> TrialRecord:
        """The trial with this id; ``StorageError`` if there is none."""

    @abstractmethod
    def close(self) -> None:
        """Release what the storage holds open (connections); it is not used afterwards."""


def _replaced(
    params: Mapping[str, ParamValue] | None,
    distributions: Mapping[str, Mapping[str, Any]] | None,
) -> dict[str, Any]:
    """The trial fields a report or a finish replaces: params and distributions, if given."""
    changes: dict[str, Any] = {}
    if params is not None:
        changes["params"] = dict(params)
    if distributions is not None:
        changes["distributions"] = {k: dict(v) for k, v in distributions.items()}
    return changes
