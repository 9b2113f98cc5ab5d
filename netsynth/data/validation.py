"""Checks on dataset arrays, each failing with a ``DataError`` that says what was found, what is
expected and where (``where`` is the dataset's name or the file it came from).

>>> import numpy as np
>>> check_classes(np.array([0, 1, 3]), 4, "toy.npz")
Traceback (most recent call last):
...
netsynth.data.validation.DataError: toy.npz: labels must be 0..3 with every class present; \
found 0, 1, 3 (missing 2)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
from numpy.typing import NDArray

KINDS = ("image", "sequence", "tabular")
LAYOUTS = {"image": "(N, C, H, W)", "sequence": "(N, C, L)", "tabular": "(N, F)"}
NDIM = {"image": 4, "sequence": 3, "tabular": 2}
_SHOWN = 12  # how many label values an error message lists before eliding the rest


class DataError(ValueError):
    """Bad data: the message says what was found and what is expected (file, shape, class...)."""


def check_kind(kind: str, where: str) -> None:
    if kind not in KINDS:
        raise DataError(f"{where}: unknown kind {kind!r}; expected one of {', '.join(KINDS)}")


def as_features(x: Any, kind: str, what: str, where: str) -> NDArray[np.float32]:
    """``x`` as float32 in the layout of ``kind``, non-empty and finite."""
    array = np.asarray(x)
    if array.dtype.kind not in "biuf":
        raise DataError(f"{where}: {what} must be numeric, got dtype {array.dtype}")
    if array.ndim != NDIM[kind]:
        raise DataError(
            f"{where}: {what} has shape {array.shape}; a {kind} dataset needs {LAYOUTS[kind]}"
        )
    if array.shape[0] == 0:
        raise DataError(f"{where}: {what} is empty (shape {array.shape}); expected N >= 1 samples")
    features = array.astype(np.float32, copy=False)
    check_finite(features, what, where)
    return features


def check_finite(x: NDArray[np.floating[Any]], what: str, where: str) -> None:
    """No NaN or inf; otherwise say how many and where the first one is."""
    bad = ~np.isfinite(x)
    if not bad.any():
        return
    n_nan = int(np.isnan(x).sum())
    first = tuple(int(i) for i in np.unravel_index(int(np.flatnonzero(bad)[0]), x.shape))
    raise DataError(
        f"{where}: {what} has {int(bad.sum())} non-finite values ({n_nan} NaN, "
        f"{int(bad.sum()) - n_nan} inf); the first is at sample {first[0]}, index {first}. "
        "Drop or impute them before loading"
    )


def as_labels(y: Any, what: str, where: str) -> NDArray[np.int64]:
    """``y`` as int64 of shape (N,); accepts (N, 1) and whole-number floats."""
    array = np.asarray(y)
    if array.ndim == 2 and array.shape[1] == 1:
        array = array[:, 0]
    if array.ndim != 1:
        hint = " (one-hot? store the class ids, e.g. y.argmax(1))" if array.ndim == 2 else ""
        raise DataError(f"{where}: {what} has shape {array.shape}; expected (N,) class ids{hint}")
    if array.dtype.kind in "biu":
        return array.astype(np.int64, copy=False)
    if array.dtype.kind == "f":
        fractional = np.flatnonzero(~np.isfinite(array) | (array != np.round(array)))
        if len(fractional) == 0:
            return array.astype(np.int64)
        i = int(fractional[0])
        raise DataError(
            f"{where}: labels must be integers; {what}[{i}] is {array[i].item()!r} "
            f"({len(fractional)} non-integer values in all)"
        )
    raise DataError(f"{where}: labels must be integers; {what} has dtype {array.dtype}")


def check_classes(y: NDArray[np.int64], num_classes: int, where: str) -> None:
    """Every value in 0..K-1 and every class present."""
    found = np.unique(y)
    out_of_range = found[(found < 0) | (found >= num_classes)]
    missing = np.setdiff1d(np.arange(num_classes), found)
    if len(out_of_range) == 0 and len(missing) == 0:
        return
    problems = []
    if len(missing):
        problems.append(f"missing {_listed(missing)}")
    if len(out_of_range):
        problems.append(f"out of range {_listed(out_of_range)}")
    raise DataError(
        f"{where}: labels must be 0..{num_classes - 1} with every class present; "
        f"found {_listed(found)} ({'; '.join(problems)})"
    )


def check_in_range(y: NDArray[np.int64], num_classes: int, what: str, where: str) -> None:
    """Values in 0..K-1 (not every class needs to be present, as in a small test set)."""
    bad = np.flatnonzero((y < 0) | (y >= num_classes))
    if len(bad):
        i = int(bad[0])
        raise DataError(
            f"{where}: {what}[{i}] is {int(y[i])}; labels must be 0..{num_classes - 1} "
            f"({len(bad)} out of range in all)"
        )


def check_lengths(x: NDArray[Any], y: NDArray[Any], names: str, where: str) -> None:
    if len(x) != len(y):
        a, b = names.split("/")
        raise DataError(
            f"{where}: {a} has {len(x)} samples but {b} has {len(y)}; they must be equal"
        )


def check_options(options: Mapping[str, Any] | None, valid: Iterable[str], where: str) -> None:
    """Unknown keys fail, naming the valid ones."""
    names = sorted(valid)
    unknown = sorted(set(options or {}) - set(names))
    if unknown:
        accepted = ", ".join(names) if names else "none"
        raise DataError(f"{where}: unknown option {unknown[0]!r}; valid options: {accepted}")


def _listed(values: NDArray[np.int64]) -> str:
    shown = ", ".join(str(int(v)) for v in values[:_SHOWN])
    return shown + (f", ... ({len(values)} in all)" if len(values) > _SHOWN else "")
