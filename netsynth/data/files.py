"""User data files: picks the reader by what the path is (.npz, .csv, IDX files as MNIST ships
them, or a folder of images). A folder that holds files named like IDX files is read as an IDX
dataset; any other folder is an image folder.

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
from netsynth.data.idx_files import is_idx_folder, is_idx_name, load_idx_file, load_idx_folder
from netsynth.data.image_folder import load_image_folder
from netsynth.data.npz_file import load_npz

FORMATS = (
    ".npz file with arrays x, y (optional x_test, y_test)",
    ".csv file with a header row and a label column",
    "a folder of images with one subfolder per class",
    "a folder of IDX files as MNIST ships them (plain or .gz): train-images-idx3-ubyte and "
    "train-labels-idx1-ubyte, optionally t10k-images-idx3-ubyte and t10k-labels-idx1-ubyte "
    "(or one images file with its labels file beside it)",
)


def load_file(path: Path, name: str, options: Mapping[str, Any] | None = None) -> Dataset:
    """Read the dataset at ``path`` (which exists); ``name`` is the path as the user gave it."""
    if path.is_dir():
        if is_idx_folder(path):
            return load_idx_folder(path, name, options)
        return load_image_folder(path, name, options)
    if is_idx_name(path.name):
        return load_idx_file(path, name, options)
    suffix = path.suffix.lower()
    if suffix == ".npz":
        return load_npz(path, name, options)
    if suffix == ".csv":
        return load_csv(path, name, options)
    raise DataError(
        f"{name}: unsupported file type {suffix or '(no extension)'!r}; accepted: "
        + "; ".join(FORMATS)
    )
