"""What only the SQLite storage promises: WAL, the schema version, URL options, and safe trial
creation from several processes sharing one file."""

from __future__ import annotations

import multiprocessing
import queue
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from netsynth.experiment_record import ExperimentRecord
from netsynth.storage import (
    SCHEMA_VERSION,
    SchemaVersionError,
    StorageError,
    TrialDraft,
    open_storage,
)
from netsynth.storage.sql import SQLStorage
from netsynth.trial_record import Report, TrialState

PROCESSES = 4
TRIALS_PER_PROCESS = 25


def _query(path: Path, sql: str) -> list[tuple[Any, ...]]:
    connection = sqlite3.connect(path)
    try:
        return connection.execute(sql).fetchall()
    finally:
        connection.close()


def _sql_storage(url: str) -> SQLStorage:
    storage = open_storage(url)
    assert isinstance(storage, SQLStorage)
    return storage


def _synchronous_setting(storage: SQLStorage) -> int:
    with storage._engine.connect() as connection:
        return int(connection.exec_driver_sql("PRAGMA synchronous").scalar_one())


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "x.db"


def test_sqlite_database_is_in_wal_mode(db_path: Path) -> None:
    storage = _sql_storage(f"sqlite:///{db_path}")
    storage.create_experiment("e", {})
    try:
        assert _query(db_path, "PRAGMA journal_mode") == [("wal",)]
    finally:
        storage.close()


def test_schema_version_is_recorded_in_netsynth_meta(db_path: Path) -> None:
    _sql_storage(f"sqlite:///{db_path}").close()
    rows = _query(db_path, "SELECT value FROM netsynth_meta WHERE key = 'schema_version'")
    assert rows == [(str(SCHEMA_VERSION),)]


def test_reopening_a_database_keeps_its_data_and_schema_version(db_path: Path) -> None:
    url = f"sqlite:///{db_path}"
    first = _sql_storage(url)
    experiment = first.create_experiment("kept", {"c": 1})
    trial = first.create_trial(experiment.id, lambda n: TrialDraft(params={"n": n}))
    assert trial is not None
    first.close()
    again = _sql_storage(url)
    try:
        assert again.get_experiment("kept") == experiment
        assert again.trials(experiment.id) == [trial]
    finally:
        again.close()
    rows = _query(db_path, "SELECT value FROM netsynth_meta WHERE key = 'schema_version'")
    assert rows == [(str(SCHEMA_VERSION),)]


def test_database_of_a_newer_schema_version_asks_to_upgrade(db_path: Path) -> None:
    _sql_storage(f"sqlite:///{db_path}").close()
    connection = sqlite3.connect(db_path)
    with connection:
        connection.execute(
            "UPDATE netsynth_meta SET value = ? WHERE key = 'schema_version'",
            (str(SCHEMA_VERSION + 1),),
        )
    connection.close()
    with pytest.raises(SchemaVersionError, match="upgrade netsynth"):
        open_storage(f"sqlite:///{db_path}")
    rows = _query(db_path, "SELECT value FROM netsynth_meta WHERE key = 'schema_version'")
    assert rows == [(str(SCHEMA_VERSION + 1),)]


def _make_schema_v1(db_path: Path) -> tuple[int, int]:
    """A database as netsynth's schema v1 wrote it (no heartbeat column), with one trial."""
    storage = _sql_storage(f"sqlite:///{db_path}")
    experiment = storage.create_experiment("old", {})
    trial = storage.create_trial(experiment.id, lambda n: TrialDraft(params={"n": n}))
    assert trial is not None
    storage.close()
    connection = sqlite3.connect(db_path)
    with connection:
        connection.execute("ALTER TABLE trials DROP COLUMN heartbeat_at")
        connection.execute("UPDATE netsynth_meta SET value = '1' WHERE key = 'schema_version'")
    connection.close()
    return experiment.id, trial.id


def test_a_schema_v1_database_is_upgraded_when_opened_for_writing(db_path: Path) -> None:
    experiment_id, trial_id = _make_schema_v1(db_path)
    with pytest.raises(SchemaVersionError, match="older netsynth"):
        open_storage(f"sqlite:///{db_path}", read_only=True)
    storage = _sql_storage(f"sqlite:///{db_path}")
    try:
        assert storage.trial(trial_id).heartbeat_at is None
        storage.heartbeat([trial_id])
        assert storage.trial(trial_id).heartbeat_at is not None
        assert storage.reap(experiment_id, grace_seconds=3600.0) == []
    finally:
        storage.close()
    rows = _query(db_path, "SELECT value FROM netsynth_meta WHERE key = 'schema_version'")
    assert rows == [(str(SCHEMA_VERSION),)]
    open_storage(f"sqlite:///{db_path}", read_only=True).close()


def test_a_v1_trial_without_heartbeats_is_reaped_by_its_creation_time(db_path: Path) -> None:
    experiment_id, trial_id = _make_schema_v1(db_path)
    storage = _sql_storage(f"sqlite:///{db_path}")
    try:
        assert [t.id for t in storage.reap(experiment_id, grace_seconds=0.0)] == [trial_id]
    finally:
        storage.close()


def test_synchronous_full_in_the_url_is_accepted_and_applied(db_path: Path) -> None:
    storage = _sql_storage(f"sqlite:///{db_path}?synchronous=full")
    try:
        record = storage.create_experiment("e", {})
        assert storage.get_experiment("e") == record
        assert _synchronous_setting(storage) == 2  # FULL
    finally:
        storage.close()


def test_synchronous_defaults_to_normal(db_path: Path) -> None:
    storage = _sql_storage(f"sqlite:///{db_path}")
    try:
        assert _synchronous_setting(storage) == 1  # NORMAL
    finally:
        storage.close()


def test_bogus_synchronous_value_raises_storage_error(db_path: Path) -> None:
    with pytest.raises(StorageError, match="synchronous"):
        open_storage(f"sqlite:///{db_path}?synchronous=sometimes")


def test_a_path_ending_in_db_opens_sqlite(db_path: Path) -> None:
    storage = open_storage(str(db_path))
    try:
        assert isinstance(storage, SQLStorage)
        storage.create_experiment("e", {})
    finally:
        storage.close()
    assert _query(db_path, "SELECT name FROM experiments") == [("e",)]


# -- several processes on one file ------------------------------------------------------------


def _create_trials(
    url: str,
    experiment_id: int,
    worker: str,
    limit: int | None,
    finish: bool,
    start: Any,
    results: Any,
) -> None:
    """In a spawned process: open a storage of its own and create trials; with ``finish``,
    also report on each one and finish it (writes that read before they write)."""
    numbers: list[int] = []
    errors: list[str] = []
    try:
        storage = open_storage(url)
        try:
            start.wait(timeout=120)
            for _ in range(TRIALS_PER_PROCESS):
                record = storage.create_trial(
                    experiment_id,
                    lambda n: TrialDraft(params={"n": n}),
                    limit=limit,
                    worker=worker,
                )
                if record is None:
                    continue
                numbers.append(record.number)
                if finish:
                    storage.add_report(record.id, 0, {"m": float(record.number)})
                    storage.finish_trial(
                        record.id,
                        TrialState.COMPLETE,
                        value=float(record.number),
                        attrs={"finished_by": worker},
                    )
        finally:
            storage.close()
    except Exception as exc:  # noqa: BLE001 - reported to the parent, which fails the test
        errors.append(repr(exc))
    results.put((worker, numbers, errors))


def _create_from_processes(
    url: str, experiment_id: int, limit: int | None = None, finish: bool = False
) -> list[int]:
    """Create trials from PROCESSES spawned processes at once; return the numbers they got."""
    context = multiprocessing.get_context("spawn")
    start = context.Barrier(PROCESSES)
    results = context.Queue()
    processes = [
        context.Process(
            target=_create_trials,
            args=(url, experiment_id, f"proc-{i}", limit, finish, start, results),
        )
        for i in range(PROCESSES)
    ]
    for process in processes:
        process.start()
    collected: list[tuple[str, list[int], list[str]]] = []
    try:
        for _ in processes:
            collected.append(results.get(timeout=240))
    except queue.Empty:
        pytest.fail(f"only {len(collected)} of {PROCESSES} processes reported back")
    finally:
        for process in processes:
            process.join(timeout=60)
            if process.is_alive():
                process.kill()
                process.join()
    assert [p.exitcode for p in processes] == [0] * PROCESSES
    assert [errors for _, _, errors in collected] == [[]] * PROCESSES
    numbers = [n for _, got, _ in collected for n in got]
    for _, got, _ in collected:
        assert got == sorted(got)
    return numbers


@pytest.fixture
def shared(db_path: Path) -> Iterator[tuple[SQLStorage, ExperimentRecord]]:
    """A SQLite file holding one experiment, "shared", that several processes write to; the
    storage object is this process's client."""
    storage = _sql_storage(f"sqlite:///{db_path}")
    try:
        yield storage, storage.create_experiment("shared", {})
    finally:
        storage.close()


def test_processes_creating_trials_get_unique_consecutive_numbers(
    shared: tuple[SQLStorage, ExperimentRecord],
) -> None:
    storage, experiment = shared
    numbers = _create_from_processes(storage.url, experiment.id)
    total = PROCESSES * TRIALS_PER_PROCESS
    assert sorted(numbers) == list(range(total))
    listed = storage.trials(experiment.id)
    assert [t.number for t in listed] == list(range(total))
    assert [t.params for t in listed] == [{"n": n} for n in range(total)]
    for i in range(PROCESSES):
        assert sum(t.worker == f"proc-{i}" for t in listed) == TRIALS_PER_PROCESS


def test_processes_creating_trials_respect_the_limit(
    shared: tuple[SQLStorage, ExperimentRecord],
) -> None:
    storage, experiment = shared
    numbers = _create_from_processes(storage.url, experiment.id, limit=60)
    assert sorted(numbers) == list(range(60))
    assert [t.number for t in storage.trials(experiment.id)] == list(range(60))
    assert storage.create_trial(experiment.id, lambda n: TrialDraft(), limit=60) is None


def test_processes_running_whole_trials_on_one_file_lose_nothing(
    shared: tuple[SQLStorage, ExperimentRecord],
) -> None:
    storage, experiment = shared
    numbers = _create_from_processes(storage.url, experiment.id, finish=True)
    total = PROCESSES * TRIALS_PER_PROCESS
    assert sorted(numbers) == list(range(total))
    listed = storage.trials(experiment.id)
    assert [t.number for t in listed] == list(range(total))
    for trial in listed:
        assert (trial.state, trial.value) == (TrialState.COMPLETE, float(trial.number))
        assert trial.reports == (Report(0, {"m": float(trial.number)}),)
        assert trial.attrs == {"finished_by": trial.worker}


def test_in_memory_sqlite_takes_heartbeats_from_another_thread_while_writing() -> None:
    import threading

    storage = _sql_storage("sqlite://")
    experiment = storage.create_experiment("threads", {})
    first = storage.create_trial(experiment.id, lambda n: TrialDraft())
    assert first is not None
    errors: list[BaseException] = []
    done = threading.Event()

    def beat() -> None:
        try:
            while not done.is_set():
                storage.heartbeat([first.id])
                storage.reap(experiment.id, grace_seconds=3600.0)
        except BaseException as exc:  # noqa: BLE001 - handed to the test thread
            errors.append(exc)

    thread = threading.Thread(target=beat)
    thread.start()
    try:
        for step in range(200):
            storage.add_report(first.id, step, {"loss": 1.0})
            storage.create_trial(experiment.id, lambda n: TrialDraft())
    finally:
        done.set()
        thread.join(timeout=60)
    assert errors == []
    assert len(storage.trials(experiment.id)) == 201
    assert len(storage.trial(first.id).reports) == 200
