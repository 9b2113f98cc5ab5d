"""Storage in a dict, for experiments that need no record beyond the process."""

from __future__ import annotations

import threading
import time
from collections.abc import Collection, Mapping
from dataclasses import replace
from typing import Any

from netsynth.experiment_record import ExperimentRecord, ExperimentState
from netsynth.space.distributions import ParamValue
from netsynth.storage import json_codec
from netsynth.storage.storage import (
    DraftFactory,
    ExperimentExistsError,
    ExperimentNotFoundError,
    RetryExistsError,
    StorageError,
    TrialFinishedError,
)
from netsynth.trial_record import RETRY_OF, Report, TrialRecord, TrialState, lost_worker_reason


def _copy(value: Mapping[str, Any]) -> dict[str, Any]:
    """A deep copy by value, as a database would keep it (tuples come back as lists)."""
    return json_codec.loads(json_codec.dumps(dict(value))) if value else {}


class InMemoryStorage:
    """Thread-safe; records are immutable and replaced on every change."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._experiments: dict[int, ExperimentRecord] = {}
        self._trials: dict[int, TrialRecord] = {}
        self._by_experiment: dict[int, list[TrialRecord]] = {}  # ordered by number
        self._active: dict[int, int] = {}  # experiment id -> trials not FAILED

    def create_experiment(
        self,
        name: str,
        config: Mapping[str, Any],
        attrs: Mapping[str, Any] | None = None,
    ) -> ExperimentRecord:
        with self._lock:
            if any(e.name == name for e in self._experiments.values()):
                raise ExperimentExistsError(f"an experiment named {name!r} already exists")
            now = time.time()
            record = ExperimentRecord(
                id=len(self._experiments) + 1,
                name=name,
                state=ExperimentState.CREATED,
                config=_copy(config),
                attrs=_copy(attrs or {}),
                state_log=((ExperimentState.CREATED.value, now),),
                created_at=now,
                updated_at=now,
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

    def set_experiment_state(
        self,
        experiment_id: int,
        state: ExperimentState,
        reason: str | None = None,
        *,
        expected: Collection[ExperimentState] | None = None,
    ) -> bool:
        with self._lock:
            record = self._experiment(experiment_id)
            if expected is not None and record.state not in expected:
                return False
            now = time.time()
            self._experiments[experiment_id] = replace(
                record,
                state=state,
                reason=reason,
                state_log=(*record.state_log, (state.value, now)),
                updated_at=now,
            )
            return True

    def update_experiment(
        self,
        experiment_id: int,
        *,
        config: Mapping[str, Any] | None = None,
        attrs: Mapping[str, Any] | None = None,
        drop_attrs: Collection[str] = (),
    ) -> None:
        with self._lock:
            record = self._experiment(experiment_id)
            kept = {k: v for k, v in record.attrs.items() if k not in drop_attrs}
            self._experiments[experiment_id] = replace(
                record,
                config=_copy(config) if config is not None else record.config,
                attrs={**kept, **_copy(attrs or {})},
                updated_at=time.time(),
            )

    def create_trial(
        self,
        experiment_id: int,
        draft: DraftFactory,
        *,
        limit: int | None = None,
        worker: str | None = None,
        retry_of: int | None = None,
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
            number = len(records)
            made = draft(number)
            attrs = made.attrs if retry_of is None else {**made.attrs, RETRY_OF: retry_of}
            now = time.time()
            record = TrialRecord(
                id=len(self._trials) + 1,
                experiment_id=experiment_id,
                number=number,
                state=TrialState.RUNNING,
                params=dict(made.params),
                distributions=_copy(made.distributions),
                fidelity=_copy(made.fidelity),
                bracket=made.bracket,
                rung=made.rung,
                attrs=_copy(attrs),
                worker=worker,
                created_at=now,
                heartbeat_at=now,
            )
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
        with self._lock:
            record = self._running(trial_id)
            self._store(
                replace(
                    record,
                    reports=(*record.reports, Report(int(step), dict(metrics))),
                    rung=int(rung) if rung is not None else record.rung,
                    reason=reason if reason is not None else record.reason,
                    params=dict(params) if params is not None else record.params,
                    distributions=(
                        _copy(distributions) if distributions is not None else record.distributions
                    ),
                )
            )

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
        if not state.is_finished:
            raise StorageError("a trial can only be finished as COMPLETE, PRUNED or FAILED")
        with self._lock:
            record = self._running(trial_id)
            self._store(
                replace(
                    record,
                    state=state,
                    value=value,
                    metrics=dict(metrics or {}),
                    params=dict(params) if params is not None else record.params,
                    distributions=(
                        _copy(distributions) if distributions is not None else record.distributions
                    ),
                    reason=reason,
                    attrs={**record.attrs, **_copy(attrs or {})},
                    finished_at=time.time(),
                )
            )
            if state is TrialState.FAILED:
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

    def trial(self, trial_id: int) -> TrialRecord:
        try:
            return self._trials[trial_id]
        except KeyError:
            raise StorageError(f"no trial with id {trial_id}") from None

    def close(self) -> None:
        pass
