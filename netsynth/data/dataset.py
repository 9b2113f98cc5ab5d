"""A loaded classification dataset, in the layout the models expect and checked on construction.

Features are float32 in one of three layouts — image (N, C, H, W), sequence (N, C, L) or tabular
(N, F) — and labels are int64 class ids 0..K-1 with every class present. Anything else raises a
``DataError`` that names the dataset, what was found and what is expected.

>>> import numpy as np
>>> ds = Dataset("toy", "tabular", np.zeros((4, 3)), np.array([0, 1, 0, 1]), num_classes=2)
>>> ds.input_shape, ds.x.dtype, ds.y.dtype
((3,), dtype('float32'), dtype('int64'))
>>> ds.fingerprint() == Dataset("copy", "tabular", ds.x.copy(), ds.y.copy(), 2).fingerprint()
True
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from netsynth.data.validation import (
    DataError,
    as_features,
    as_labels,
    check_classes,
    check_in_range,
    check_kind,
    check_lengths,
)

__all__ = ["DataError", "Dataset"]


@dataclass(frozen=True)
class Dataset:
    name: str  # "mnist1d", "digits", or the path given
    kind: str  # "image" | "sequence" | "tabular"
    x: NDArray[np.float32]  # (N, C, H, W) image | (N, C, L) sequence | (N, F) tabular
    y: NDArray[np.int64]  # (N,), values 0..K-1, every class present
    num_classes: int
    x_test: NDArray[np.float32] | None = None  # a provided held-out test set, same layout
    y_test: NDArray[np.int64] | None = None
    class_names: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        where = self.name
        check_kind(self.kind, where)
        x = as_features(self.x, self.kind, "x", where)
        y = as_labels(self.y, "y", where)
        check_lengths(x, y, "x/y", where)
        k = self.num_classes
        if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 2:
            raise DataError(f"{where}: num_classes must be an integer >= 2, got {k!r}")
        check_classes(y, int(k), where)
        object.__setattr__(self, "x", x)
        object.__setattr__(self, "y", y)
        object.__setattr__(self, "num_classes", int(k))
        self._set_test_arrays()
        if self.class_names is not None:
            names = tuple(str(n) for n in self.class_names)
            if len(names) != self.num_classes:
                raise DataError(
                    f"{where}: {len(names)} class names given for {self.num_classes} classes"
                )
            object.__setattr__(self, "class_names", names)

    def _set_test_arrays(self) -> None:
        where = self.name
        if (self.x_test is None) != (self.y_test is None):
            raise DataError(f"{where}: give both x_test and y_test, or neither")
        if self.x_test is None or self.y_test is None:
            return
        x_test = as_features(self.x_test, self.kind, "x_test", where)
        if x_test.shape[1:] != self.input_shape:
            raise DataError(
                f"{where}: x_test has samples of shape {x_test.shape[1:]} but x has "
                f"{self.input_shape}; the test set must have the same layout"
            )
        y_test = as_labels(self.y_test, "y_test", where)
        check_lengths(x_test, y_test, "x_test/y_test", where)
        check_in_range(y_test, self.num_classes, "y_test", where)
        object.__setattr__(self, "x_test", x_test)
        object.__setattr__(self, "y_test", y_test)

    @property
    def input_shape(self) -> tuple[int, ...]:
        """The shape of one sample, e.g. (1, 8, 8) for digits."""
        return tuple(int(d) for d in self.x.shape[1:])

    def fingerprint(self) -> str:
        """First 16 hex chars of a sha256 over the arrays (and their shapes): same data, same id,
        whatever the name."""
        digest = hashlib.sha256()
        arrays: dict[str, NDArray[Any] | None] = {
            "x": self.x,
            "y": self.y,
            "x_test": self.x_test,
            "y_test": self.y_test,
        }
        for label, array in arrays.items():
            if array is None:
                continue
            little_endian = array.astype(array.dtype.newbyteorder("<"), copy=False)
            digest.update(f"{label}:{array.dtype.str[1:]}:{array.shape};".encode())
            digest.update(np.ascontiguousarray(little_endian).data)
        return digest.hexdigest()[:16]
