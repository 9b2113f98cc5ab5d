"""The built-in datasets: digits from scikit-learn, MNIST-1D generated locally and cached."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import mnist1d.data
import numpy as np
import pytest

from netsynth.data import DataError, load_dataset
from tests.data.conftest import Mnist1dCache

SMALL = {"num_samples": 200}  # generates in a fraction of a second


def test_digits() -> None:
    ds = load_dataset("digits")
    assert (ds.name, ds.kind, ds.x.shape, ds.num_classes) == (
        "digits",
        "image",
        (1797, 1, 8, 8),
        10,
    )
    assert ds.x.dtype == np.float32 and float(ds.x.min()) == 0.0 and float(ds.x.max()) == 1.0
    assert ds.x_test is None and ds.class_names == tuple("0123456789")


@pytest.mark.parametrize("csv_found", [True, False])
def test_digits_are_scikit_learns(csv_found: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.util

    from sklearn.datasets import load_digits

    if not csv_found:  # the CSV is not where it was: scikit-learn's own loader reads it
        monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)
    ds, bunch = load_dataset("digits"), load_digits()
    np.testing.assert_array_equal(ds.x[:, 0] * 16.0, bunch.images)
    np.testing.assert_array_equal(ds.y, bunch.target)


def test_digits_rejects_options() -> None:
    with pytest.raises(DataError, match=r"digits: unknown option 'size'; valid options: none"):
        load_dataset("digits", options={"size": 16})


def test_mnist1d_standard_split(mnist1d_cache: Mnist1dCache) -> None:
    ds = mnist1d_cache.dataset
    assert (ds.name, ds.kind, ds.x.shape, ds.num_classes) == (
        "mnist1d",
        "sequence",
        (4000, 1, 40),
        10,
    )
    assert ds.x_test is not None and ds.x_test.shape == (1000, 1, 40)
    assert ds.y_test is not None and set(ds.y_test.tolist()) == set(range(10))


def test_mnist1d_cache_is_reused(
    mnist1d_cache: Mnist1dCache, monkeypatch: pytest.MonkeyPatch
) -> None:
    def must_not_run(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("make_dataset called although the data is cached")

    monkeypatch.setenv("NETSYNTH_CACHE", str(mnist1d_cache.folder))
    monkeypatch.setattr(mnist1d.data, "make_dataset", must_not_run)
    again = load_dataset("mnist1d")
    assert again.fingerprint() == mnist1d_cache.dataset.fingerprint()
    assert [p.suffix for p in mnist1d_cache.folder.iterdir()] == [".npz"]  # no temp files left


def count_generations(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    calls: list[int] = []
    real = mnist1d.data.make_dataset

    def counted(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(mnist1d.data, "make_dataset", counted)
    return calls


def test_mnist1d_corrupt_cache_is_regenerated(
    private_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = count_generations(monkeypatch)
    first = load_dataset("mnist1d", options=SMALL)
    (cached,) = private_cache.iterdir()
    cached.write_bytes(b"PK\x03\x04 truncated")
    second = load_dataset("mnist1d", options=SMALL)
    assert len(calls) == 2
    assert second.fingerprint() == first.fingerprint()
    assert second.x.shape == (160, 1, 40) and second.x_test is not None


def test_mnist1d_options_change_the_data(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = count_generations(monkeypatch)
    a = load_dataset("mnist1d", options=SMALL)
    b = load_dataset("mnist1d", options={**SMALL, "seed": 3})
    c = load_dataset("mnist1d", options={**SMALL, "iid_noise_scale": 0.1})
    load_dataset("mnist1d", options={"num_samples": 200})  # same arguments: from the cache
    assert len(calls) == 3
    assert len({a.fingerprint(), b.fingerprint(), c.fingerprint()}) == 3


def test_mnist1d_bad_options() -> None:
    with pytest.raises(
        DataError, match=r"unknown option 'noise'; valid options: .*iid_noise_scale"
    ):
        load_dataset("mnist1d", options={"noise": 0.1})
    with pytest.raises(
        DataError,
        match=r"option 'num_samples' must be of type int like its default 5000; got '200'",
    ):
        load_dataset("mnist1d", options={"num_samples": "200"})


def test_mnist1d_leaves_the_global_random_state_alone() -> None:
    np.random.seed(1)
    random.seed(1)
    expected = (np.random.rand(), random.random())
    np.random.seed(1)
    random.seed(1)
    load_dataset("mnist1d", options=SMALL)  # the generator reseeds both globally
    assert (np.random.rand(), random.random()) == expected


def test_mnist1d_unwritable_cache_still_loads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    monkeypatch.setenv("NETSYNTH_CACHE", str(blocker / "cache"))  # cannot be created
    with pytest.warns(UserWarning, match="could not cache mnist1d"):
        ds = load_dataset("mnist1d", options=SMALL)
    assert ds.x.shape == (160, 1, 40)
