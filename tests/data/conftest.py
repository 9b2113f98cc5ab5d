"""Data tests: a private cache folder per test, and one real MNIST-1D generation per session."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from netsynth.data import Dataset, load_dataset


@pytest.fixture(autouse=True)
def private_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Each test caches generated data in its own folder, never in the user's home."""
    cache = tmp_path / "cache"
    monkeypatch.setenv("NETSYNTH_CACHE", str(cache))
    return cache


@dataclass(frozen=True)
class Mnist1dCache:
    folder: Path  # holds the generated standard MNIST-1D
    dataset: Dataset  # what the generation returned


@pytest.fixture(scope="session")
def mnist1d_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Mnist1dCache]:
    """The standard MNIST-1D, generated once for the whole session (about 6 s)."""
    folder = tmp_path_factory.mktemp("mnist1d-cache")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("NETSYNTH_CACHE", str(folder))
        dataset = load_dataset("mnist1d")
    yield Mnist1dCache(folder, dataset)


def save_npz(folder: Path, name: str = "data.npz", **arrays: np.ndarray) -> Path:
    """Write ``arrays`` to ``folder/name`` and return the path."""
    path = folder / name
    np.savez(path, **arrays)
    return path
