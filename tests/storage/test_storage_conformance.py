"""Every storage backend runs the conformance suite in ``netsynth.testing.storage_suite``."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from netsynth.storage import InMemoryStorage, Storage, open_storage
from netsynth.testing import StorageConformance
from tests.conftest import needs_postgres


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


@needs_postgres
class TestPostgreSQLStorage(DatabaseConformance):
    """A fresh database per test on the server that ``.ci/run`` starts."""

    @pytest.fixture
    def url(self, postgres_url: str) -> str:
        return postgres_url
