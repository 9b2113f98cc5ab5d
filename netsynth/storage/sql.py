"""SQL storage through SQLAlchemy Core: SQLite (the default) and PostgreSQL.

SQLite runs in WAL mode with a busy timeout, so several processes can share one file; every
write is a ``BEGIN IMMEDIATE`` transaction, which takes the write lock up front instead of
failing on a lock upgrade. ``synchronous=NORMAL`` keeps every committed transaction across a
process crash (a power cut can lose the last few); add ``?synchronous=full`` to the URL to
make each commit survive that too.

Finished trials never change, so ``trials()`` keeps them in a per-experiment cache and asks
the database only for trials it has not seen finish.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Collection, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext, suppress
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import (
    Connection,
    Row,
    Select,
    bindparam,
    insert,
    select,
    update,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError, OperationalError, ProgrammingError

from netsynth.experiment_record import ExperimentRecord, ExperimentState
from netsynth.storage import json_codec, sql_statements
from netsynth.storage.sql_engine import make_engine
from netsynth.storage.sql_retry import (
    CommitOutcomeUnknown,
    is_connection_loss,
    retry_connection_loss,
)
from netsynth.storage.sql_schema import experiments, meta, metadata, trials, upgrade
from netsynth.storage.storage import (
    SCHEMA_VERSION,
    ExperimentChange,
    ExperimentExistsError,
    ExperimentNotFoundError,
    NewTrial,
    RetryExistsError,
    SchemaVersionError,
    Storage,
    StorageError,
    TrialFinishedError,
)
from netsynth.trial_history import TrialHistory
from netsynth.trial_record import (
    RETRY_OF,
    Report,
    TrialOutline,
    TrialRecord,
    TrialState,
    lost_worker_reason,
)

_IDS_PER_QUERY = 5000  # below SQLite's limit on bound variables


def _in_chunks(conn: Connection, statement: Select[Any], ids: Sequence[int]) -> Iterator[Row[Any]]:
    """The rows of ``statement`` (which binds ``ids``) for every id, a chunk at a time."""
    for start in range(0, len(ids), _IDS_PER_QUERY):
        yield from conn.execute(statement, {"ids": ids[start : start + _IDS_PER_QUERY]})


def _reports_of(conn: Connection, rows: Sequence[Row[Any]]) -> dict[int, list[Report]]:
    """The reports of the trials in ``rows`` (trial rows), by trial id, in the order made."""
    with_reports = [row.id for row in rows if row.report_count]
    by_trial: dict[int, list[Report]] = {}
    for report in _in_chunks(conn, sql_statements.REPORTS_OF, with_reports):
        by_trial.setdefault(report.trial_id, []).append(
            Report(report.step, json_codec.loads(report.metrics))
        )
    return by_trial


class _LimitReached(Exception):
    pass


def _is_memory_sqlite(url: str) -> bool:
    return url.startswith("sqlite") and make_url(url).database in (None, "", ":memory:")


_JSON_COLUMNS = frozenset(
    {"config", "attrs", "state_log", "params", "distributions", "metrics", "fidelity"}
)
# What every finish sets, bound in ``sql_statements.FINISH``.
_FINISH_COLUMNS = frozenset({"state", "value", "metrics", "reason", "finished_at"})


def _column_values(fields: Mapping[str, Any]) -> dict[str, Any]:
    """Record fields as their columns hold them: nested values as JSON text, a state by its
    value, the rest as they are."""
    return {name: _column_value(name, value) for name, value in fields.items()}


def _column_value(name: str, value: Any) -> Any:
    if name in _JSON_COLUMNS:
        return json_codec.dumps(value)
    if isinstance(value, ExperimentState | TrialState):
        return value.value
    return value


@dataclass
class _ExperimentCache:
    records: list[TrialRecord] = field(default_factory=list)  # in id order; only grows
    position: dict[int, int] = field(default_factory=dict)  # trial id -> index in records
    unfinished: set[int] = field(default_factory=set)
    max_id: int = 0


class SQLStorage(Storage):
    """Storage in a SQL database given by a SQLAlchemy URL, e.g. ``sqlite:///netsynth.db``."""

    def __init__(self, url: str, *, read_only: bool = False) -> None:
        """``read_only``: open an existing database for reading only; every write raises
        ``StorageError`` (the dashboard reads a live experiment this way)."""
        self.url = url
        self.read_only = read_only
        self._engine = make_engine(url, read_only=read_only)
        # Connection loss is retried on server databases (see sql_retry); SQLite has none.
        self.retries_connection_loss = self._engine.dialect.name != "sqlite"
        self._lock = threading.Lock()
        # An in-memory SQLite database is one shared connection: a heartbeat thread must not
        # begin a transaction inside another thread's.
        self._one_at_a_time: AbstractContextManager[Any] = (
            threading.RLock() if _is_memory_sqlite(url) else nullcontext()
        )
        self._caches: dict[int, _ExperimentCache] = {}
        try:
            if read_only:
                self._check_schema()
            else:
                self._init_schema()
        except OperationalError as exc:
            raise StorageError(f"cannot open storage {url!r}: {exc.orig}") from exc

    # -- connections -------------------------------------------------------------------------

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        if self.read_only:
            raise StorageError(f"{self.url} is open read-only")
        with self._one_at_a_time, self._engine.connect() as conn:
            conn.execution_options(netsynth_write=True)
            transaction = conn.begin()
            try:
                yield conn
            except BaseException as exc:
                if self.retries_connection_loss and is_connection_loss(exc):
                    with suppress(Exception):  # the server already rolled back
                        transaction.rollback()
                else:
                    transaction.rollback()
                raise
            try:
                transaction.commit()
            except Exception as exc:
                if self.retries_connection_loss and is_connection_loss(exc):
                    # It may have committed: running it again could apply it twice.
                    raise CommitOutcomeUnknown(
                        f"storage connection lost while committing; the write may or may "
                        f"not have been applied: {exc}"
                    ) from exc
                raise

    @contextmanager
    def _read(self) -> Iterator[Connection]:
        with self._one_at_a_time, self._engine.connect() as conn, conn.begin():
            yield conn

    def _init_schema(self) -> None:
        for attempt in range(3):
            try:
                with self._write() as conn:
                    metadata.create_all(conn)
                    row = conn.execute(
                        select(meta.c.value).where(meta.c.key == "schema_version")
                    ).first()
                    if row is None:
                        conn.execute(
                            insert(meta).values(key="schema_version", value=str(SCHEMA_VERSION))
                        )
                    else:
                        self._check_version(int(row[0]))
                        upgrade(conn, int(row[0]))
                return
            except (IntegrityError, ProgrammingError):
                # Another process created the tables at the same moment (PostgreSQL).
                if attempt == 2:
                    raise
                time.sleep(0.1)

    def _check_schema(self) -> None:
        with self._read() as conn:
            row = conn.execute(select(meta.c.value).where(meta.c.key == "schema_version")).first()
        if row is None:
            raise StorageError(f"{self.url} holds no netsynth schema")
        self._check_version(int(row[0]))
        if int(row[0]) < SCHEMA_VERSION:
            raise SchemaVersionError(
                f"{self.url} was written by an older netsynth (schema v{row[0]}); open it once "
                "for writing to upgrade it, e.g. netsynth admin reap NAME --storage URL"
            )

    def _check_version(self, version: int) -> None:
        if version > SCHEMA_VERSION:
            raise SchemaVersionError(
                f"{self.url} was written by a newer netsynth (schema v{version}; "
                f"this one reads v{SCHEMA_VERSION}); upgrade netsynth"
            )

    def close(self) -> None:
        self._engine.dispose()

    # -- experiments -------------------------------------------------------------------------

    @staticmethod
    def _experiment_record(row: Row[Any]) -> ExperimentRecord:
        return ExperimentRecord(
            id=row.id,
            name=row.name,
            state=ExperimentState(row.state),
            config=json_codec.loads(row.config),
            reason=row.reason,
            attrs=json_codec.loads(row.attrs),
            state_log=tuple((s, t) for s, t in json_codec.loads(row.state_log)),
            created_at=row.created_at,
            updated_at=row.updated_at,
        )

    @retry_connection_loss
    def _create_experiment(self, record: ExperimentRecord) -> ExperimentRecord:
        name = record.name
        values = {
            "name": name,
            "trial_counter": 0,
            "active_trials": 0,
            **_column_values(
                {
                    "state": record.state,
                    "config": record.config,
                    "attrs": record.attrs,
                    "state_log": record.state_log,
                    "created_at": record.created_at,
                    "updated_at": record.updated_at,
                }
            ),
        }
        try:
            with self._write() as conn:
                if conn.execute(select(experiments.c.id).where(experiments.c.name == name)).first():
                    raise ExperimentExistsError(f"an experiment named {name!r} already exists")
                conn.execute(insert(experiments).values(**values))
        except IntegrityError as exc:
            raise ExperimentExistsError(f"an experiment named {name!r} already exists") from exc
        return self.get_experiment(name)

    @retry_connection_loss
    def get_experiment(self, name: str) -> ExperimentRecord:
        with self._read() as conn:
            row = conn.execute(select(experiments).where(experiments.c.name == name)).first()
        if row is None:
            raise ExperimentNotFoundError(f"no experiment named {name!r} in {self.url}")
        return self._experiment_record(row)

    @retry_connection_loss
    def list_experiments(self) -> list[ExperimentRecord]:
        with self._read() as conn:
            rows = conn.execute(select(experiments).order_by(experiments.c.id)).all()
        return [self._experiment_record(row) for row in rows]

    def _check_experiment(self, experiment_id: int) -> None:
        with self._read() as conn:
            self._experiment_row(conn, experiment_id)

    def _experiment_row(self, conn: Connection, experiment_id: int) -> Row[Any]:
        row = conn.execute(select(experiments).where(experiments.c.id == experiment_id)).first()
        if row is None:
            raise ExperimentNotFoundError(f"no experiment with id {experiment_id}")
        return row

    @retry_connection_loss
    def _change_experiment(self, experiment_id: int, change: ExperimentChange) -> bool:
        with self._write() as conn:
            changes = change(self._experiment_record(self._experiment_row(conn, experiment_id)))
            if changes is None:
                return False
            conn.execute(
                update(experiments)
                .where(experiments.c.id == experiment_id)
                .values(**_column_values(changes))
            )
            return True

    # -- trials ------------------------------------------------------------------------------

    @retry_connection_loss
    def _create_trial(
        self, experiment_id: int, running: NewTrial, limit: int | None, retry_of: int | None
    ) -> TrialRecord | None:
        try:
            with self._write() as conn:
                # Taking the counter locks the experiment row (PostgreSQL) or the database
                # (SQLite), so the limit check and the insert cannot race another process.
                counters = conn.execute(sql_statements.TAKE_NUMBER, {"eid": experiment_id}).first()
                if counters is None:
                    raise ExperimentNotFoundError(f"no experiment with id {experiment_id}")
                taken, active = counters
                if limit is not None and active > limit:
                    raise _LimitReached  # rolls the counters back
                if retry_of is not None and self._retried(conn, experiment_id, retry_of):
                    raise RetryExistsError(f"trial {retry_of} already has a retry")  # rolls back
                made = running(taken - 1)
                trial_id = conn.execute(
                    sql_statements.INSERT_TRIAL,
                    {
                        "experiment_id": experiment_id,
                        "number": made.number,
                        "bracket": made.bracket,
                        "rung": made.rung,
                        "worker": made.worker,
                        "report_count": 0,
                        **_column_values(
                            {
                                "state": made.state,
                                "params": made.params,
                                "distributions": made.distributions,
                                "metrics": made.metrics,
                                "fidelity": made.fidelity,
                                "attrs": made.attrs,
                                "created_at": made.created_at,
                                "heartbeat_at": made.heartbeat_at,
                            }
                        ),
                    },
                ).scalar_one()
        except _LimitReached:
            return None
        return replace(made, id=trial_id)

    @staticmethod
    def _retried(conn: Connection, experiment_id: int, number: int) -> bool:
        """Whether a later trial's attrs name trial ``number`` as the one it retries. Runs
        while the experiment's counter is taken, so no other client can add one meanwhile; the
        text match only narrows the rows that are decoded."""
        rows = conn.execute(
            sql_statements.RETRY_CANDIDATES,
            {"eid": experiment_id, "number": number, "pattern": f'%"{RETRY_OF}":{number}%'},
        )
        return any(json_codec.loads(row.attrs).get(RETRY_OF) == number for row in rows)

    @staticmethod
    def _raise_not_running(conn: Connection, trial_id: int) -> None:
        row = conn.execute(sql_statements.TRIAL_STATE, {"tid": trial_id}).first()
        if row is None:
            raise StorageError(f"no trial with id {trial_id}")
        raise TrialFinishedError(f"trial {row.number} already finished as {row.state}")

    @retry_connection_loss
    def _add_report(self, trial_id: int, report: Report, changes: dict[str, Any]) -> None:
        statement = sql_statements.COUNT_REPORT
        if changes:
            statement = statement.values(**{column: bindparam(column) for column in changes})
        with self._write() as conn:
            done = conn.execute(statement, {"tid": trial_id, **_column_values(changes)})
            if done.rowcount != 1:
                self._raise_not_running(conn, trial_id)
            conn.execute(
                sql_statements.INSERT_REPORT,
                {
                    "trial_id": trial_id,
                    "step": report.step,
                    "metrics": json_codec.dumps(report.metrics),
                    "created_at": time.time(),
                },
            )

    @retry_connection_loss
    def _finish_trial(self, trial_id: int, changes: dict[str, Any], attrs: dict[str, Any]) -> None:
        values = {"tid": trial_id, **_column_values(changes)}
        # FINISH sets the fields every finish sets; the common finish with params and
        # distributions has its own statement, built once, and any other field is added here.
        statement = sql_statements.FINISH
        extra = [column for column in changes if column not in _FINISH_COLUMNS]
        if set(extra) == {"params", "distributions"}:
            statement = sql_statements.FINISH_WITH_PARAMS
        elif extra:
            statement = statement.values(**{column: bindparam(column) for column in extra})
        with self._write() as conn:
            if attrs:
                row = conn.execute(sql_statements.TRIAL_ATTRS, {"tid": trial_id}).first()
                merged = {**(json_codec.loads(row.attrs) if row else {}), **attrs}
                values["attrs"] = json_codec.dumps(merged)
                statement = statement.values(attrs=bindparam("attrs"))
            done = conn.execute(statement, values)
            if done.rowcount != 1:
                self._raise_not_running(conn, trial_id)
            if changes["state"] is TrialState.FAILED:
                conn.execute(sql_statements.RELEASE_ACTIVE, {"tid": trial_id})

    @retry_connection_loss
    def heartbeat(self, trial_ids: Collection[int]) -> None:
        if trial_ids:
            with self._write() as conn:
                conn.execute(sql_statements.HEARTBEAT, {"ids": list(trial_ids), "now": time.time()})

    @retry_connection_loss
    def reap(self, experiment_id: int, grace_seconds: float) -> list[TrialRecord]:
        cutoff = {"eid": experiment_id, "cutoff": time.time() - grace_seconds}
        with self._read() as conn:  # the common case, nothing stale, takes no write lock
            if conn.execute(sql_statements.STALE_TRIALS, cutoff).first() is None:
                return []
        reaped: list[int] = []
        with self._write() as conn:
            now = time.time()
            for (trial_id,) in conn.execute(sql_statements.STALE_TRIALS, cutoff).all():
                row = conn.execute(select(trials).where(trials.c.id == trial_id)).one()
                reason = lost_worker_reason(self._trial_record(row, ()), now, grace_seconds)
                done = conn.execute(
                    sql_statements.FINISH,
                    {
                        "tid": trial_id,
                        "state": TrialState.FAILED.value,
                        "value": None,
                        "metrics": "{}",
                        "reason": reason,
                        "finished_at": now,
                    },
                )
                if done.rowcount == 1:  # another reaper may have failed it first (PostgreSQL)
                    conn.execute(sql_statements.RELEASE_ACTIVE, {"tid": trial_id})
                    reaped.append(trial_id)
        return [self.trial(trial_id) for trial_id in reaped]

    @staticmethod
    def _trial_record(row: Row[Any], reports_: Sequence[Report]) -> TrialRecord:
        return TrialRecord(
            id=row.id,
            experiment_id=row.experiment_id,
            number=row.number,
            state=TrialState(row.state),
            params=json_codec.loads(row.params),
            distributions=json_codec.loads(row.distributions),
            value=row.value,
            metrics=json_codec.loads(row.metrics),
            reports=tuple(reports_),
            fidelity=json_codec.loads(row.fidelity),
            bracket=row.bracket,
            rung=row.rung,
            reason=row.reason,
            attrs=json_codec.loads(row.attrs),
            worker=row.worker,
            created_at=row.created_at,
            finished_at=row.finished_at,
            heartbeat_at=row.heartbeat_at,
        )

    def trials(
        self, experiment_id: int, states: Collection[TrialState] | None = None
    ) -> list[TrialRecord]:
        with self._lock:
            records = list(self._refreshed(experiment_id).records)
        if states is not None:
            records = [r for r in records if r.state in states]
        return records

    def history(self, experiment_id: int) -> TrialHistory:
        with self._lock:
            return TrialHistory(self._refreshed(experiment_id).records)

    @retry_connection_loss
    def _refreshed(self, experiment_id: int) -> _ExperimentCache:
        """The experiment's cached trials brought up to date: only the trials added since the
        last read and those that were still running are read (``self._lock`` is held)."""
        cache = self._caches.setdefault(experiment_id, _ExperimentCache())
        with self._read() as conn:
            rows = [
                *_in_chunks(conn, sql_statements.TRIALS_BY_ID, sorted(cache.unfinished)),
                *conn.execute(
                    sql_statements.NEW_TRIALS, {"eid": experiment_id, "max_id": cache.max_id}
                ),
            ]
            by_trial = _reports_of(conn, rows)
        if not rows and not cache.records:
            self._check_experiment(experiment_id)
        for row in rows:
            record = self._trial_record(row, by_trial.get(row.id, ()))
            index = cache.position.get(record.id)
            if index is None:
                cache.position[record.id] = len(cache.records)
                cache.records.append(record)
            else:
                cache.records[index] = record
            if record.state.is_finished:
                cache.unfinished.discard(record.id)
            else:
                cache.unfinished.add(record.id)
            cache.max_id = max(cache.max_id, record.id)
        return cache

    @retry_connection_loss
    def outlines(self, experiment_id: int, *, metrics: bool = True) -> list[TrialOutline]:
        columns = [trials.c.id, trials.c.number, trials.c.state, trials.c.value]
        statement = select(*columns, *([trials.c.metrics] if metrics else []))
        with self._read() as conn:
            rows = conn.execute(
                statement.where(trials.c.experiment_id == experiment_id).order_by(trials.c.number)
            ).all()
        if not rows:
            self._check_experiment(experiment_id)
        states = {state.value: state for state in TrialState}
        if metrics:
            return [
                TrialOutline(row[0], row[1], states[row[2]], row[3], json_codec.loads(row[4]))
                for row in rows
            ]
        return [TrialOutline(row[0], row[1], states[row[2]], row[3]) for row in rows]

    @retry_connection_loss
    def trials_by_id(self, trial_ids: Sequence[int]) -> list[TrialRecord]:
        with self._read() as conn:
            rows = list(_in_chunks(conn, sql_statements.TRIALS_BY_ID, list(trial_ids)))
            by_trial = _reports_of(conn, rows)
        records = {row.id: self._trial_record(row, by_trial.get(row.id, ())) for row in rows}
        missing = [trial_id for trial_id in trial_ids if trial_id not in records]
        if missing:
            raise StorageError(f"no trial with id {missing[0]}")
        return [records[trial_id] for trial_id in trial_ids]

    def trial(self, trial_id: int) -> TrialRecord:
        return self.trials_by_id([trial_id])[0]
