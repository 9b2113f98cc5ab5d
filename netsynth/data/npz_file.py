"""NumPy .npz files with arrays ``x``, ``y`` and optionally ``x_test``, ``y_test``.

The kind follows from x's dimensions: 2 -> tabular (N, F), 3 -> sequence (N, C, L), 4 -> image
(N, C, H, W). Options: ``kind`` to choose it (single-channel (N, H, W) images or (N, L)
sequences get their channel axis added; tabular flattens), ``channels_last`` for arrays stored
as (N, H, W, C) or (N, L, C).

>>> import numpy as np, pathlib, tempfile
>>> path = pathlib.Path(tempfile.mkdtemp()) / "toy.npz"
>>> np.savez(path, x=np.zeros((6, 28, 28, 3)), y=np.arange(6) % 3)
>>> load_npz(path, "toy.npz", {"channels_last": True}).x.shape
(6, 3, 28, 28)
"""

from __future__ import annotations

import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from netsynth.data.dataset import DataError, Dataset
from netsynth.data.validation import KINDS, LAYOUTS, NDIM, as_labels, check_kind, check_options

OPTIONS = ("kind", "channels_last")
_KIND_BY_NDIM = {ndim: kind for kind, ndim in NDIM.items()}


def load_npz(path: Path, name: str, options: Mapping[str, Any] | None = None) -> Dataset:
    """The dataset in an .npz file; ``name`` (the path as given) labels errors."""
    options = dict(options or {})
    check_options(options, OPTIONS, name)
    if options.get("kind") is not None:
        check_kind(options["kind"], f"{name}: option kind")
    channels_last = options.get("channels_last", False)
    if not isinstance(channels_last, bool):
        raise DataError(
            f"{name}: option channels_last must be true or false, got {channels_last!r}"
        )
    arrays = _read(path, name)
    kind = options.get("kind") or _KIND_BY_NDIM.get(arrays["x"].ndim)
    if kind is None:
        raise DataError(
            f"{name}: x has shape {arrays['x'].shape}; expected 2, 3 or 4 dims: "
            + ", ".join(f"{k} {LAYOUTS[k]}" for k in KINDS)
            + " (or set the option kind)"
        )
    x = _layout(arrays["x"], kind, channels_last, "x", name)
    y = as_labels(arrays["y"], "y", name)
    x_test = y_test = None
    if "x_test" in arrays:
        x_test = _layout(arrays["x_test"], kind, channels_last, "x_test", name)
        y_test = as_labels(arrays["y_test"], "y_test", name)
    # K from the largest label anywhere; at least 2 so a lone class 0 reads "missing 1"
    largest = max(y.max(initial=0), 0 if y_test is None else y_test.max(initial=0))
    return Dataset(name, kind, x, y, max(int(largest) + 1, 2), x_test, y_test)


def _read(path: Path, name: str) -> dict[str, NDArray[Any]]:
    if not zipfile.is_zipfile(path):
        raise DataError(
            f"{name}: not an .npz archive (it is not a zip file); save one with "
            "numpy.savez(path, x=..., y=...)"
        )
    try:
        with np.load(path, allow_pickle=False) as npz:
            keys = set(npz.files)
            missing = {"x", "y"} - keys
            if missing or ("x_test" in keys) != ("y_test" in keys):
                raise DataError(
                    f"{name}: found arrays {', '.join(sorted(keys)) or 'none'}; expected x and y, "
                    "and optionally x_test with y_test"
                )
            return {key: npz[key] for key in ("x", "y", "x_test", "y_test") if key in keys}
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as error:
        if isinstance(error, DataError):
            raise
        raise DataError(f"{name}: cannot read the .npz archive: {error}") from error


def _layout(x: NDArray[Any], kind: str, channels_last: bool, what: str, name: str) -> NDArray[Any]:
    """``x`` rearranged into the layout of ``kind``."""
    if kind == "tabular":
        if channels_last and x.ndim >= 3:
            x = np.moveaxis(x, -1, 1)
        return x.reshape(x.shape[0], int(np.prod(x.shape[1:])))
    want = NDIM[kind]
    if x.ndim == want - 1:  # single-channel data stored without its channel axis
        return x[:, None]
    if x.ndim == want:
        return np.moveaxis(x, -1, 1) if channels_last else x
    raise DataError(
        f"{name}: {what} has shape {x.shape}; kind {kind} needs {LAYOUTS[kind]} "
        f"(or one dim fewer for a single channel)"
    )
