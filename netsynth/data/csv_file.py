"""Comma-separated text files with a header row: one label column, every other column a feature.

The label column is ``options["label"]``, else a column named ``label``, else the last column.
Labels are integer class ids 0..K-1 or class names (mapped to 0..K-1 in sorted order and kept
as ``class_names``). Features must be numbers. The kind is always tabular.

>>> import pathlib, tempfile
>>> path = pathlib.Path(tempfile.mkdtemp()) / "iris.csv"
>>> _ = path.write_text("width,length,species\\n1.4,5.1,setosa\\n4.7,7.0,versicolor\\n")
>>> ds = load_csv(path, "iris.csv")
>>> ds.x.shape, ds.y.tolist(), ds.class_names
((2, 2), [0, 1], ('setosa', 'versicolor'))
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from netsynth.data.dataset import DataError, Dataset
from netsynth.data.validation import check_options

OPTIONS = ("label",)
_SNIFF_BYTES = 8192  # a NUL byte in the first 8 KiB means a binary file


def load_csv(path: Path, name: str, options: Mapping[str, Any] | None = None) -> Dataset:
    """The dataset in a .csv file; ``name`` (the path as given) labels errors."""
    check_options(options, OPTIONS, name)
    header, rows, lines = _read_rows(path, name)
    label = _label_column(header, (options or {}).get("label"), name)
    features = [i for i in range(len(header)) if i != label]
    if not features:
        hint = " (is it separated by ';' or tabs? only commas are read)" if len(header) == 1 else ""
        raise DataError(f"{name}: no feature columns besides the label {header[label]!r}{hint}")
    x = _features(rows, lines, header, features, name)
    y, class_names = _labels([row[label] for row in rows], lines, header[label], name)
    num_classes = len(class_names) if class_names else int(y.max()) + 1
    return Dataset(name, "tabular", x, y, max(num_classes, 2), class_names=class_names)


def _read_rows(path: Path, name: str) -> tuple[list[str], list[list[str]], list[int]]:
    """Header, data rows (blank lines skipped) and the line number each row ends on."""
    data = path.read_bytes()
    if b"\0" in data[:_SNIFF_BYTES]:
        raise DataError(f"{name}: this is a binary file, not a comma-separated text file")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise DataError(
            f"{name}: not UTF-8 text (byte {error.start} is {data[error.start]:#04x}); "
            "save the file as UTF-8 CSV"
        ) from error
    reader = csv.reader(io.StringIO(text))
    rows, lines = [], []
    try:
        for row in reader:
            if row:
                rows.append(row)
                lines.append(reader.line_num)
    except csv.Error as error:
        raise DataError(f"{name}: line {reader.line_num}: {error}") from error
    if len(rows) < 2:
        found = "is empty" if not rows else "has a header row but no data rows"
        raise DataError(f"{name}: the file {found}; expected a header row, then one row per sample")
    for row, line in zip(rows[1:], lines[1:], strict=True):
        if len(row) != len(rows[0]):
            raise DataError(
                f"{name}: line {line} has {len(row)} fields but the header has {len(rows[0])}"
            )
    return [h.strip() for h in rows[0]], rows[1:], lines[1:]


def _label_column(header: list[str], wanted: Any, name: str) -> int:
    if wanted is not None:
        if wanted not in header:
            raise DataError(
                f"{name}: no column named {wanted!r} (option label); columns: {', '.join(header)}"
            )
        return header.index(wanted)
    return header.index("label") if "label" in header else len(header) - 1


def _features(
    rows: list[list[str]], lines: list[int], header: list[str], columns: list[int], name: str
) -> NDArray[np.float32]:
    """The feature columns as numbers; the first cell that is not one is named in the error."""
    cells = [[row[i] for i in columns] for row in rows]
    try:
        return np.array(cells, dtype=np.float32)
    except ValueError:
        pass
    for row, line in zip(cells, lines, strict=True):
        for value, i in zip(row, columns, strict=True):
            try:
                float(value)
            except ValueError:
                raise DataError(
                    f"{name}: column {header[i]!r} is not numeric: line {line} has {value!r}; "
                    "features must be numbers (encode categories as numbers first)"
                ) from None
    raise AssertionError("unreachable: numpy rejected a cell that float() accepts")


def _labels(
    values: list[str], lines: list[int], column: str, name: str
) -> tuple[NDArray[np.int64], tuple[str, ...] | None]:
    """Integer class ids as they are, or class names mapped to ids in sorted order."""
    values = [v.strip() for v in values]
    if "" in values:
        line = lines[values.index("")]
        raise DataError(f"{name}: line {line} has an empty label (column {column!r})")
    try:
        numbers = np.array(values, dtype=np.float64)
    except ValueError:  # class names
        names = sorted(set(values))
        if len(names) < 2:
            raise DataError(
                f"{name}: the label column {column!r} holds only {names[0]!r}; "
                "a classifier needs at least 2 classes"
            ) from None
        index = {n: i for i, n in enumerate(names)}
        return np.array([index[v] for v in values], dtype=np.int64), tuple(names)
    fractional = np.flatnonzero(~np.isfinite(numbers) | (numbers != np.round(numbers)))
    if len(fractional):
        i = int(fractional[0])
        raise DataError(
            f"{name}: labels must be integers or class names; column {column!r} has "
            f"{values[i]!r} on line {lines[i]}"
        )
    return numbers.astype(np.int64), None
