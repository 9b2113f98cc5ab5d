"""Storage in a dict, for experiments that need no record beyond the process."""

from __future__ import annotations

import threading
import time
from collections.abc import Collection, Mapping
from dataclasses import replace
from typing import Any

from netsynth.experiment_record import ExperimentRecord
from netsynth.storage import json_codec
from netsynth.storage.storage import (
    ExperimentChange,
    ExperimentExistsError,
    ExperimentNotFoundError,
    NewTrial,
    RetryExistsError,
    Storage,
    StorageError,
    TrialFinishedError,
)
from netsynth.trial_history import TrialHistory
from netsynth.trial_record import RETRY_OF, Report, TrialRecord, TrialState, lost_worker_reason


def _copy(value: Mapping[str, Any]) -> dict[str, Any]:
    """A deep copy by value, as a database would keep it (tuples come back as lists)."""
    return json_codec.loads(json_codec.dumps(dict(value))) if value else {}


_COPIED_BY_VALUE = frozenset({"config", "attrs", "distributions", "fidelity"})


def _copied(changes: Mapping[str, Any]) -> dict[str, Any]:
    """Record fields to store: the nested mappings copied by value (``_copy``), so that no
    caller's object is kept; the others as given."""
    return {k: _copy(v) if k in _COPIED_BY_VALUE else v for k, v in changes.items()}


class InMemoryStorage(Storage):
    """Thread-safe; records are immutable and replaced on every change."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._experiments: dict[int, ExperimentRecord] = {}
        self._trials: dict[int, TrialRecord] = {}
        self._by_experiment: dict[int, list[TrialRecord]] = {}  # ordered by number
        self._active: dict[int, int] = {}  # experiment id -> trials not FAILED

    def _create_experiment(self, record: ExperimentRecord) -> ExperimentRecord:
        with self._lock:
            if any(e.name == record.name for e in self._experiments.values()):
                raise ExperimentExistsError(f"an experiment named {record.name!r} already exists")
            record = replace(
                record,
                id=len(self._experiments) + 1,
                config=_copy(record.config),
                attrs=_copy(record.attrs),
            )
            self._experiments[record.id] = record
            self._by_experiment[record.id] = []
            self._active[record.id] = 0
            return record

    def get_experiment(self, name: str) -> ExperimentRecord:
        for record in list(self._experiments.values()):
            if record.name == name:
                return record
        raise ExperimentNotFoundError(f"no experiment named {name!r}")

    def list_experiments(self) -> list[ExperimentRecord]:
        return sorted(self._experiments.values(), key=lambda e: e.id)

    def _experiment(self, experiment_id: int) -> ExperimentRecord:
        try:
            return self._experiments[experiment_id]
        except KeyError:
            raise ExperimentNotFoundError(f"no experiment with id {experiment_id}") from None

    def _change_experiment(self, experiment_id: int, change: ExperimentChange) -> bool:
        with self._lock:
            record = self._experiment(experiment_id)
            changes = change(record)
            if changes is None:
                return False
            self._experiments[experiment_id] = replace(record, **_copied(changes))
            return True

    def _create_trial(
        self, experiment_id: int, running: NewTrial, limit: int | None, retry_of: int | None
    ) -> TrialRecord | None:
        with self._lock:
            self._experiment(experiment_id)
            if limit is not None and self._active[experiment_id] >= limit:
                return None
            records = self._by_experiment[experiment_id]
            if retry_of is not None and any(
                r.attrs.get(RETRY_OF) == retry_of for r in records[retry_of + 1 :]
            ):
                raise RetryExistsError(f"trial {retry_of} already has a retry")
            made = running(len(records))
            nested = {
                "distributions": made.distributions,
                "fidelity": made.fidelity,
                "attrs": made.attrs,
            }
            record = replace(made, id=len(self._trials) + 1, **_copied(nested))
            self._trials[record.id] = record
            records.append(record)
            self._active[experiment_id] += 1
            return record

    def _store(self, record: TrialRecord) -> None:
        self._trials[record.id] = record
        self._by_experiment[record.experiment_id][record.number] = record

    def _running(self, trial_id: int) -> TrialRecord:
        record = self.trial(trial_id)
        if record.state.is_finished:
            raise TrialFinishedError(
                f"trial {record.number} already finished as {record.state.value}"
            )
        return record

    def _add_report(self, trial_id: int, report: Report, changes: dict[str, Any]) -> None:
        with self._lock:
            record = self._running(trial_id)
            self._store(replace(record, reports=(*record.reports, report), **_copied(changes)))

    def _finish_trial(self, trial_id: int, changes: dict[str, Any], attrs: dict[str, Any]) -> None:
        with self._lock:
            record = self._running(trial_id)
            merged = {**record.attrs, **_copy(attrs)}
            self._store(replace(record, attrs=merged, **_copied(changes)))
            if changes["state"] is TrialState.FAILED:
                self._active[record.experiment_id] -= 1

    def heartbeat(self, trial_ids: Collection[int]) -> None:
        now = time.time()
        with self._lock:
            for trial_id in trial_ids:
                record = self._trials.get(trial_id)
                if record is not None and not record.state.is_finished:
                    self._store(replace(record, heartbeat_at=now))

    def reap(self, experiment_id: int, grace_seconds: float) -> list[TrialRecord]:
        now = time.time()
        with self._lock:
            self._experiment(experiment_id)
            stale = [
                record
                for record in self._by_experiment[experiment_id]
                if record.state is TrialState.RUNNING
                and now - (record.heartbeat_at or record.created_at) > grace_seconds
            ]
            for record in stale:
                self._store(
                    replace(
                        record,
                        state=TrialState.FAILED,
                        metrics={},
                        reason=lost_worker_reason(record, now, grace_seconds),
                        finished_at=now,
                    )
                )
                self._active[experiment_id] -= 1
            return [self._trials[record.id] for record in stale]

    def trials(
        self, experiment_id: int, states: Collection[TrialState] | None = None
    ) -> list[TrialRecord]:
        self._experiment(experiment_id)
        records = list(self._by_experiment[experiment_id])
        if states is not None:
            records = [r for r in records if r.state in states]
        return records

    def history(self, experiment_id: int) -> TrialHistory:
        self._experiment(experiment_id)
        return TrialHistory(self._by_experiment[experiment_id])

    def trial(self, trial_id: int) -> TrialRecord:
        try:
            return self._trials[trial_id]
        except KeyError:
            raise StorageError(f"no trial with id {trial_id}") from None

    def close(self) -> None:
        pass
