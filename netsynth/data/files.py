"""User data files: picks the reader by what the path is (.npz, .csv or a folder of images).

>>> import numpy as np, pathlib, tempfile
>>> path = pathlib.Path(tempfile.mkdtemp()) / "toy.npz"
>>> np.savez(path, x=np.zeros((4, 3)), y=np.array([0, 1, 0, 1]))
>>> load_file(path, "toy.npz").kind
'tabular'
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from netsynth.data.csv_file import load_csv
from netsynth.data.dataset import DataError, Dataset
from netsynth.data.image_folder import load_image_folder
from netsynth.data.npz_file import load_npz

FORMATS = (
    ".npz file with arrays x, y (optional x_test, y_test)",
    ".csv file with a header row and a label column",
    "a folder of images with one subfolder per class",
)


def load_file(path: Path, name: str, options: Mapping[str, Any] | None = None) -> Dataset:
    """Read the dataset at ``path`` (which exists); ``name`` is the path as the user gave it."""
    if path.is_dir():
        return load_image_folder(path, name, options)
    suffix = path.suffix.lower()
    if suffix == ".npz":
        return load_npz(path, name, options)
    if suffix == ".csv":
        return load_csv(path, name, options)
    raise DataError(
        f"{name}: unsupported file type {suffix or '(no extension)'!r}; accepted: "
        + "; ".join(FORMATS)
    )
