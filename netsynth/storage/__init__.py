"""Storage: the only record of experiments and trials."""

from netsynth.storage.in_memory import InMemoryStorage
from netsynth.storage.storage import (
    SCHEMA_VERSION,
    ExperimentExistsError,
    ExperimentNotFoundError,
    SchemaVersionError,
    Storage,
    StorageError,
    TrialDraft,
    TrialFinishedError,
)
from netsynth.storage.url import DEFAULT_STORAGE_URL, open_storage

__all__ = [
    "DEFAULT_STORAGE_URL",
    "SCHEMA_VERSION",
    "ExperimentExistsError",
    "ExperimentNotFoundError",
    "InMemoryStorage",
    "SchemaVersionError",
    "Storage",
    "StorageError",
    "TrialDraft",
    "TrialFinishedError",
    "open_storage",
]
