"""Resolving a dataset source: built-in names, relative paths and what is not accepted."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from netsynth.data import BUILTIN, DataError, load_dataset
from tests.data.conftest import save_npz


def test_unknown_name_lists_builtins_and_formats(tmp_path: Path) -> None:
    with pytest.raises(DataError) as error:
        load_dataset("cifar", base_dir=tmp_path)
    message = str(error.value)
    assert "'cifar' is neither a built-in (digits, mnist1d)" in message
    assert str(tmp_path / "cifar") in message
    assert ".npz" in message and ".csv" in message and "one subfolder per class" in message


def test_relative_path_resolved_against_base_dir(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    save_npz(tmp_path / "sub", x=np.zeros((2, 3)), y=np.array([0, 1]))
    ds = load_dataset("sub/data.npz", base_dir=tmp_path)
    assert ds.name == "sub/data.npz" and ds.x.shape == (2, 3)


def test_unsupported_extension(tmp_path: Path) -> None:
    (tmp_path / "data.parquet").write_bytes(b"PAR1")
    with pytest.raises(DataError, match=r"unsupported file type '\.parquet'; accepted: \.npz"):
        load_dataset("data.parquet", base_dir=tmp_path)


def test_builtin_names() -> None:
    assert sorted(BUILTIN) == ["digits", "mnist1d"]


def test_fingerprint_is_the_same_for_the_same_data(tmp_path: Path) -> None:
    x, y = np.arange(12.0).reshape(4, 3), np.array([0, 1, 0, 1])
    a = load_dataset(str(save_npz(tmp_path, "a.npz", x=x, y=y)))
    b = load_dataset(str(save_npz(tmp_path, "b.npz", x=x, y=y)))
    c = load_dataset(str(save_npz(tmp_path, "c.npz", x=x + 1, y=y)))
    d = load_dataset(str(save_npz(tmp_path, "d.npz", x=x.reshape(4, 1, 3), y=y)))
    assert a.fingerprint() == b.fingerprint()
    assert len(a.fingerprint()) == 16 and int(a.fingerprint(), 16) >= 0
    assert len({a.fingerprint(), c.fingerprint(), d.fingerprint()}) == 3
