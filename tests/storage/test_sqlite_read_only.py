"""A SQLite storage opened read-only (as the dashboard opens a live experiment's file): it
reads what a writer in another process commits, can never write, and never makes the writer
wait."""

from __future__ import annotations

import multiprocessing
import sqlite3
from pathlib import Path

import pytest

from netsynth.storage import StorageError, TrialDraft, open_storage
from netsynth.storage.sql import SQLStorage
from netsynth.trial_record import TrialState

TRIALS = 60


def _write_trials(url: str, name: str, count: int) -> None:
    storage = open_storage(url)
    experiment = storage.get_experiment(name)
    for _ in range(count):
        trial = storage.create_trial(experiment.id, lambda n: TrialDraft(params={"n": n}))
        assert trial is not None
        storage.add_report(trial.id, 1, {"loss": 1.0})
        storage.finish_trial(trial.id, TrialState.COMPLETE, value=float(trial.number))
    storage.close()


@pytest.fixture
def url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'live.db'}"
    storage = open_storage(url)
    storage.create_experiment("live", {"objective": {"metric": "value"}})
    storage.close()
    return url


def test_read_only_storage_reads_but_every_write_raises(url: str) -> None:
    reader = open_storage(url, read_only=True)
    experiment = reader.get_experiment("live")
    assert reader.trials(experiment.id) == []
    with pytest.raises(StorageError, match="read-only"):
        reader.update_experiment(experiment.id, attrs={"picked": 1})
    with pytest.raises(StorageError, match="read-only"):
        reader.create_trial(experiment.id, lambda n: TrialDraft())
    assert isinstance(reader, SQLStorage)
    # Below the storage API too, the connection itself refuses to write.
    with reader._engine.connect() as connection, pytest.raises(Exception, match="readonly"):
        connection.exec_driver_sql("UPDATE experiments SET name = 'x'")
    reader.close()


def test_read_only_open_of_a_missing_file_does_not_create_it(tmp_path: Path) -> None:
    missing = tmp_path / "missing.db"
    with pytest.raises(StorageError, match="cannot open storage"):
        open_storage(f"sqlite:///{missing}", read_only=True)
    assert not missing.exists()


def test_read_only_open_of_a_file_without_netsynth_tables_is_refused(tmp_path: Path) -> None:
    other = tmp_path / "other.db"
    sqlite3.connect(other).execute("CREATE TABLE t (x INTEGER)").connection.close()
    with pytest.raises(StorageError):
        open_storage(f"sqlite:///{other}", read_only=True)


def test_a_writer_process_keeps_writing_while_a_reader_polls(url: str) -> None:
    reader = open_storage(url, read_only=True)
    experiment = reader.get_experiment("live")
    context = multiprocessing.get_context("spawn")
    writer = context.Process(target=_write_trials, args=(url, "live", TRIALS))
    writer.start()
    seen = 0
    while writer.is_alive() or seen < TRIALS:
        trials = reader.trials(experiment.id)
        assert len(trials) >= seen  # reads only ever grow
        seen = len(trials)
        if not writer.is_alive() and seen < TRIALS:
            break
    writer.join(timeout=60)
    assert writer.exitcode == 0  # no "database is locked" in the writer
    finished = reader.trials(experiment.id, [TrialState.COMPLETE])
    assert [t.value for t in finished] == [float(n) for n in range(TRIALS)]
    reader.close()
