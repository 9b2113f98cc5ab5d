"""PostgreSQL connection loss in the middle of a run: retried with backoff, reported, and
every write applied exactly once."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.exc import IntegrityError, InterfaceError, OperationalError

import netsynth
from netsynth import ExperimentState, TrialState
from netsynth.storage import open_storage
from netsynth.storage.sql import SQLStorage
from netsynth.storage.sql_retry import ATTEMPTS, delay_before, is_connection_loss
from netsynth.storage.storage import StorageError
from tests.conftest import needs_postgres

# Terminate every connection of the storage's database but the killer's own, and wait
# (up to 10 s) until each one is gone, so the statement about to run meets a dead session.
TERMINATE = text(
    "SELECT pg_terminate_backend(pid, 10000) FROM pg_stat_activity "
    "WHERE pid <> pg_backend_pid() AND datname = current_database()"
)


@pytest.fixture
def admin(postgres_url: str) -> Iterator[Engine]:
    engine = create_engine(
        postgres_url.replace("postgresql://", "postgresql+psycopg://", 1),
        isolation_level="AUTOCOMMIT",
    )
    yield engine
    engine.dispose()


def kill_connections_before(
    storage: SQLStorage, admin: Engine, prefixes: list[str], every: int
) -> list[str]:
    """Before every ``every``-th statement starting with one of ``prefixes`` (inside a
    transaction, after its BEGIN), terminate the storage's connections. Returns the list
    of statements it interrupted, filled as the run goes."""
    interrupted: list[str] = []
    seen = {prefix: 0 for prefix in prefixes}

    @event.listens_for(storage._engine, "before_cursor_execute")
    def _kill(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        for prefix in prefixes:
            if statement.lstrip().upper().startswith(prefix):
                seen[prefix] += 1
                if seen[prefix] % every == 0:
                    with admin.connect() as killer:
                        killer.execute(TERMINATE).all()
                    interrupted.append(prefix)

    return interrupted


def objective(trial: netsynth.Trial) -> float:
    x = trial.suggest_float("x", 0, 1)
    for step in range(2):
        trial.report(step, loss=x + step)
    return x


@needs_postgres
def test_a_run_survives_lost_connections_exactly_once(
    postgres_url: str, admin: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    storage = open_storage(postgres_url)
    assert isinstance(storage, SQLStorage)
    exp = netsynth.create_experiment(storage=storage, seed=0)
    interrupted = kill_connections_before(
        storage,
        admin,
        ["INSERT INTO TRIALS", "INSERT INTO REPORTS", "UPDATE TRIALS SET STATE"],
        every=4,
    )
    with caplog.at_level(logging.WARNING, logger="netsynth"):
        state = exp.run(objective, max_trials=12, progress=False)
    assert state is ExperimentState.COMPLETED
    assert len(interrupted) >= 6  # creates, reports and finishes were each cut several times
    lost = [r.getMessage() for r in caplog.records if "storage connection lost" in r.getMessage()]
    assert len(lost) >= len(interrupted)
    assert all("retrying in" in message for message in lost)
    trials = exp.trials()
    assert sorted(t.number for t in trials) == list(range(12))  # no trial made twice
    assert all(t.state is TrialState.COMPLETE for t in trials)
    for trial in trials:  # no report lost or stored twice
        assert [r.step for r in trial.reports] == [0, 1]
    storage.close()


@needs_postgres
def test_a_storage_that_stays_unreachable_gives_up_with_a_storage_error(
    postgres_url: str, admin: Engine, caplog: pytest.LogCaptureFixture, monkeypatch: Any
) -> None:
    monkeypatch.setattr("netsynth.storage.sql_retry.time.sleep", lambda _seconds: None)
    storage = open_storage(postgres_url)
    assert isinstance(storage, SQLStorage)
    exp = netsynth.create_experiment(storage=storage, seed=0)
    kill_connections_before(storage, admin, ["SELECT"], every=1)  # every read, every time
    with (
        caplog.at_level(logging.WARNING, logger="netsynth"),
        pytest.raises(StorageError, match=f"connection lost {ATTEMPTS} times"),
    ):
        storage.trials(exp.id)
    lost = [r.getMessage() for r in caplog.records if "storage connection lost" in r.getMessage()]
    assert [message.split("(attempt ")[1].split(")")[0] for message in lost] == [
        f"{n}/{ATTEMPTS}" for n in range(2, ATTEMPTS + 1)
    ]
    storage.close()


def test_backoff_doubles_from_a_fifth_of_a_second_up_to_three() -> None:
    assert [delay_before(n) for n in range(1, 6)] == [0.2, 0.4, 0.8, 1.6, 3.0]


def test_only_connection_errors_count_as_connection_loss() -> None:
    assert is_connection_loss(OperationalError("SELECT 1", {}, Exception("server closed")))
    assert is_connection_loss(InterfaceError("SELECT 1", {}, Exception("connection closed")))
    assert not is_connection_loss(IntegrityError("INSERT", {}, Exception("duplicate key")))
    assert not is_connection_loss(StorageError("no experiment named 'x'"))
