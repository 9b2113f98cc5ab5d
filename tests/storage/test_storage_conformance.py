"""Every storage backend runs the conformance suite in ``netsynth.testing.storage_suite``."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from netsynth.storage import InMemoryStorage, Storage, open_storage
from netsynth.testing import StorageConformance

POSTGRES_URL = os.environ.get("NETSYNTH_TEST_POSTGRES_URL")


class TestInMemoryStorage(StorageConformance):
    @pytest.fixture
    def storage(self) -> Iterator[Storage]:
        storage = InMemoryStorage()
        yield storage
        storage.close()


class DatabaseConformance(StorageConformance):
    """Backends opened from a ``url`` fixture; each second client is a separate storage
    object (its own engine and trial cache) on the same database."""

    @pytest.fixture
    def storage(self, url: str) -> Iterator[Storage]:
        storage = open_storage(url)
        yield storage
        storage.close()

    @pytest.fixture
    def second_client(self, url: str) -> Iterator[Callable[[], Storage]]:
        opened: list[Storage] = []

        def open_another() -> Storage:
            client = open_storage(url)
            opened.append(client)
            return client

        yield open_another
        for client in opened:
            client.close()


class TestSQLiteStorage(DatabaseConformance):
    @pytest.fixture
    def url(self, tmp_path: Path) -> str:
        return f"sqlite:///{tmp_path}/x.db"


@pytest.mark.skipif(POSTGRES_URL is None, reason="set NETSYNTH_TEST_POSTGRES_URL to a server")
class TestPostgreSQLStorage(DatabaseConformance):
    """A fresh database per test on the server that ``.ci/run`` starts."""

    @pytest.fixture
    def url(self) -> Iterator[str]:
        from sqlalchemy import create_engine, text

        assert POSTGRES_URL is not None
        admin = create_engine(
            POSTGRES_URL.replace("postgresql://", "postgresql+psycopg://", 1),
            isolation_level="AUTOCOMMIT",
        )
        name = f"netsynth_{uuid.uuid4().hex[:12]}"
        with admin.connect() as conn:
            conn.execute(text(f"CREATE DATABASE {name}"))
        yield POSTGRES_URL.rsplit("/", 1)[0] + f"/{name}"
        with admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE {name} WITH (FORCE)"))
        admin.dispose()
