"""Open a storage from a URL: ``None`` or ``"memory"`` for in-memory, else a SQLAlchemy URL."""

from __future__ import annotations

from netsynth.storage.in_memory import InMemoryStorage
from netsynth.storage.storage import Storage, StorageError

DEFAULT_STORAGE_URL = "sqlite:///netsynth.db"


def open_storage(url: str | Storage | None, *, read_only: bool = False) -> Storage:
    """``open_storage("sqlite:///netsynth.db")``; a path ending in ``.db`` means SQLite too.
    ``read_only``: an existing SQL database opened so that it can never be written (a storage
    object passed in is returned as it is)."""
    if url is None or url in ("memory", ":memory:"):
        return InMemoryStorage()
    if not isinstance(url, str):
        return url
    if url.endswith(".db") and "://" not in url:
        url = f"sqlite:///{url}"
    scheme = url.split("://", 1)[0] if "://" in url else ""
    if scheme.split("+", 1)[0] not in ("sqlite", "postgresql", "postgres"):
        raise StorageError(
            f"unsupported storage {url!r}; use 'memory', 'sqlite:///PATH' or "
            "'postgresql://USER:PASSWORD@HOST/DB'"
        )
    from netsynth.storage.sql import (
        SQLStorage,
    )  # SQLAlchemy only when a database is used

    return SQLStorage(url, read_only=read_only)
