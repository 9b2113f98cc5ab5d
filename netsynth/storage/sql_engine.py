"""SQLAlchemy engines for the SQL storage: SQLite tuned for several processes, PostgreSQL
through psycopg 3; either one read-only for viewers such as the dashboard."""

from __future__ import annotations

import sqlite3
from typing import Any
from urllib.parse import quote

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.pool import StaticPool

from netsynth.storage.storage import StorageError

_SQLITE_SYNC_MODES = {"off", "normal", "full", "extra"}


def _sqlite_engine(url: str, read_only: bool) -> Engine:
    parsed = make_url(url)
    query = dict(parsed.query)
    synchronous = str(query.pop("synchronous", "normal")).lower()
    if synchronous not in _SQLITE_SYNC_MODES:
        raise StorageError(
            f"synchronous={synchronous!r} in the storage URL; allowed: {sorted(_SQLITE_SYNC_MODES)}"
        )
    in_memory = parsed.database in (None, "", ":memory:")
    if read_only and not in_memory:
        return _sqlite_read_only_engine(str(parsed.database))
    engine = create_engine(
        parsed.set(query=query),
        connect_args={"timeout": 60.0, "check_same_thread": False},
        # One shared connection, or every thread would see its own empty in-memory database.
        **({"poolclass": StaticPool} if in_memory else {}),
    )
    pragmas = ["journal_mode=WAL", f"synchronous={synchronous.upper()}", "foreign_keys=ON"]
    return _with_sqlite_listeners(engine, pragmas)


def _with_sqlite_listeners(engine: Engine, pragmas: list[str]) -> Engine:
    """Set ``pragmas`` on every new connection, and begin our own transactions: ``BEGIN
    IMMEDIATE`` for writes (the write lock up front), a deferred ``BEGIN`` for reads."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves, below
        cursor = dbapi_connection.cursor()
        for pragma in ["busy_timeout=60000", *pragmas]:
            cursor.execute(f"PRAGMA {pragma}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        write = connection.get_execution_options().get("netsynth_write", False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

    return engine


def _sqlite_read_only_engine(database: str) -> Engine:
    """SQLite opened with ``mode=ro``: it can never take the write lock, and in WAL mode its
    reads never block the experiment's writer (nor does the writer block them)."""

    def connect() -> sqlite3.Connection:
        uri = f"file:{quote(database)}?mode=ro"
        return sqlite3.connect(uri, uri=True, timeout=60.0, check_same_thread=False)

    engine = create_engine("sqlite://", creator=connect)
    return _with_sqlite_listeners(engine, ["query_only=ON"])


def make_engine(url: str, *, read_only: bool = False) -> Engine:
    """``read_only``: a connection that refuses every write (the database must exist)."""
    if url.startswith("sqlite"):
        return _sqlite_engine(url, read_only)
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        url = "postgresql+psycopg://" + url.split("://", 1)[1]
    options = {"options": "-c default_transaction_read_only=on"} if read_only else {}
    try:
        return create_engine(url, pool_pre_ping=True, connect_args=options)
    except ModuleNotFoundError as exc:
        raise StorageError(
            f"the database driver for {url.split('://', 1)[0]!r} is not installed ({exc}); "
            "for PostgreSQL run: pip install 'netsynth[postgres]'"
        ) from exc
