"""IDX files, the format of MNIST and Fashion-MNIST, plain or gzipped, read with NumPy alone.

An IDX file is a 4-byte magic number — two zero bytes, a type byte (0x08 unsigned byte, 0x09
signed byte, 0x0B int16, 0x0C int32, 0x0D float32, 0x0E float64) and the number of dimensions
— then one big-endian int32 size per dimension, then the data, big-endian, in C order. A file
that starts with the gzip magic (1f 8b) is decompressed first, whatever its name.

A dataset is a folder holding a pair ``train-images-idx3-ubyte`` / ``train-labels-idx1-ubyte``
(each optionally ``.gz``; ``train-images.idx3-ubyte``, with a dot before ``idx``, is accepted
too) and optionally a test pair with the prefix ``t10k`` or ``test``; other pairs are ignored.
Samples of shape (H, W) become single-channel images (N, 1, H, W), samples of shape (F,) become
tabular rows (N, F). Unsigned-byte data is scaled to [0, 1] (divided by 255); other types are
kept as they are, since their range is unknown. Labels must be 1-D integers; the number of
classes follows from the largest label (at least 2). When one part exists both plain and
gzipped (as ``gunzip -k`` leaves it), the plain file is read.

The whole file is parsed with one ``np.frombuffer``, so the 70,000 Fashion-MNIST images load in
a fraction of a second.

>>> import gzip, pathlib, struct, tempfile
>>> root = pathlib.Path(tempfile.mkdtemp())
>>> images = struct.pack(">4B3i", 0, 0, 0x08, 3, 4, 2, 3) + bytes(range(0, 240, 10))
>>> labels = struct.pack(">4Bi", 0, 0, 0x08, 1, 4) + bytes([0, 1, 2, 1])
>>> _ = (root / "train-images-idx3-ubyte.gz").write_bytes(gzip.compress(images))
>>> _ = (root / "train-labels-idx1-ubyte").write_bytes(labels)
>>> ds = load_idx_folder(root, "toy")
>>> ds.kind, ds.x.shape, ds.num_classes, round(float(ds.x.max()) * 255)
('image', (4, 1, 2, 3), 3, 230)
"""

from __future__ import annotations

import gzip
import math
import re
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from netsynth.data.dataset import DataError, Dataset
from netsynth.data.validation import check_options

# type byte -> big-endian dtype
DTYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}
TRAIN_PREFIX = "train"
TEST_PREFIXES = ("t10k", "test")
EXPECTED_NAMES = (
    "train-images-idx3-ubyte[.gz] and train-labels-idx1-ubyte[.gz] "
    "(optionally t10k-images-idx3-ubyte[.gz] and t10k-labels-idx1-ubyte[.gz], or test-...)"
)
_GZIP_MAGIC = b"\x1f\x8b"
_TYPES_TEXT = "08 uint8, 09 int8, 0b int16, 0c int32, 0d float32, 0e float64"
# any IDX-looking name: what makes a folder an IDX folder rather than an image folder
_IDX_NAME = re.compile(r"idx\d+-ubyte(\.gz)?$", re.IGNORECASE)
# the names that pair up: <prefix>-images-idx3-ubyte[.gz], <prefix>-labels.idx1-ubyte...
_PART_NAME = re.compile(
    r"^(?P<prefix>.+)-(?P<part>images|labels)[-.]idx\d+-ubyte(?P<gz>\.gz)?$", re.IGNORECASE
)


@dataclass(frozen=True)
class _Pair:
    images: Path | None
    labels: Path | None


def is_idx_name(name: str) -> bool:
    """Whether a file name looks like an IDX file (``...idx3-ubyte`` or ``...idx1-ubyte.gz``)."""
    return _IDX_NAME.search(name) is not None


def is_idx_folder(path: Path) -> bool:
    """Whether the folder holds (directly, not in subfolders) any file named like an IDX file."""
    return any(f.is_file() and is_idx_name(f.name) for f in _visible(path))


def load_idx_folder(path: Path, name: str, options: Mapping[str, Any] | None = None) -> Dataset:
    """The dataset in a folder of IDX files; ``name`` (the path as given) labels errors."""
    check_options(options, (), name)
    pairs = _pairs(path, name)
    train = pairs.get(TRAIN_PREFIX)
    if train is None or train.images is None or train.labels is None:
        found = sorted(f.name for f in _visible(path) if f.is_file() and is_idx_name(f.name))
        raise DataError(
            f"{name}: found IDX files {', '.join(found)} but no training pair; expected "
            + EXPECTED_NAMES
        )
    tests = [prefix for prefix in TEST_PREFIXES if prefix in pairs]
    if len(tests) > 1:
        raise DataError(
            f"{name}: found test pairs with both prefixes {' and '.join(tests)}; keep one of "
            "them so the test set is unambiguous"
        )
    test = pairs[tests[0]] if tests else None
    return _dataset(name, train, test, where=lambda file: f"{name.rstrip('/')}/{file.name}")


def load_idx_file(path: Path, name: str, options: Mapping[str, Any] | None = None) -> Dataset:
    """The dataset in one IDX images file with its labels file beside it (``x-images-idx3-ubyte``
    -> ``x-labels-idx1-ubyte``, plain or gzipped); no test set. ``name`` labels errors."""
    check_options(options, (), name)
    match = _PART_NAME.match(path.name)
    if match is None or match["part"].lower() != "images":
        raise DataError(
            f"{name}: an IDX file is read as a dataset only as <prefix>-images-idx3-ubyte[.gz] "
            "with its <prefix>-labels-idx1-ubyte[.gz] beside it; or give the folder holding "
            + EXPECTED_NAMES
        )
    pair = _pairs(path.parent, name).get(match["prefix"].lower())
    if pair is None or pair.labels is None:
        raise DataError(
            f"{name}: no labels file beside it; expected {match['prefix']}-labels-idx1-ubyte"
            "[.gz] in the same folder"
        )
    beside = Path(name).parent
    return _dataset(
        name,
        _Pair(path, pair.labels),
        None,
        where=lambda file: name if file == path else str(beside / file.name),
    )


def read_idx(path: Path, where: str) -> NDArray[Any]:
    """The array in an IDX file (plain or gzipped), in native byte order; ``where`` labels
    errors. Wrong magic, a truncated header or data, or extra bytes -> DataError."""
    data = _read_bytes(path, where)
    if len(data) < 4 or data[:2] != b"\0\0" or data[2] not in DTYPES or data[3] == 0:
        shown = data[:4].hex(" ") or "nothing (empty file)"
        raise DataError(
            f"{where}: not an IDX file: it starts with {shown}; expected the magic number 00 00, "
            f"a type byte ({_TYPES_TEXT}) and the number of dimensions (1 or more)"
        )
    ndim = data[3]
    header = 4 + 4 * ndim
    if len(data) < header:
        raise DataError(
            f"{where}: truncated IDX header: {len(data)} bytes, but {ndim} dimensions need "
            f"{header} bytes of header"
        )
    shape = tuple(int(size) for size in np.frombuffer(data, ">i4", count=ndim, offset=4))
    if min(shape) < 0:
        raise DataError(f"{where}: IDX header gives a negative size in shape {shape}")
    dtype = np.dtype(DTYPES[data[2]])
    count = math.prod(shape)
    expected, found = count * dtype.itemsize, len(data) - header
    if found != expected:
        problem = "truncated" if found < expected else "has extra bytes"
        raise DataError(
            f"{where}: {problem}: the header gives shape {shape} of {dtype.newbyteorder('=')}, "
            f"{expected} bytes of data, but {found} bytes follow the header"
        )
    array = np.frombuffer(data, dtype, count=count, offset=header).reshape(shape)
    return array.astype(dtype.newbyteorder("="), copy=False)


def _visible(path: Path) -> list[Path]:
    return [f for f in path.iterdir() if not f.name.startswith(".")]


def _pairs(folder: Path, name: str) -> dict[str, _Pair]:
    """Prefix (lower case) -> its images and labels files; a plain file wins over a gzipped
    one of the same part, two files of the same part and compression fail."""
    chosen: dict[tuple[str, str], Path] = {}
    for file in sorted(_visible(folder)):
        match = _PART_NAME.match(file.name)
        if match is None or not file.is_file():
            continue
        key = (match["prefix"].lower(), match["part"].lower())
        other = chosen.get(key)
        if other is not None:
            if _is_gz_name(other.name) == _is_gz_name(file.name):
                raise DataError(
                    f"{name}: both {other.name} and {file.name} hold the {key[0]} {key[1]}; "
                    "keep one of them"
                )
            if _is_gz_name(file.name):
                continue
        chosen[key] = file
    prefixes = sorted({prefix for prefix, _ in chosen})
    return {p: _Pair(chosen.get((p, "images")), chosen.get((p, "labels"))) for p in prefixes}


def _is_gz_name(name: str) -> bool:
    return name.lower().endswith(".gz")


def _dataset(name: str, train: _Pair, test: _Pair | None, where: Callable[[Path], str]) -> Dataset:
    """The Dataset of a training pair and an optional test pair; ``where(file)`` labels errors."""
    x, y = _read_pair(train, where)
    kind = "image" if x.ndim == 4 else "tabular"
    x_test = y_test = None
    if test is not None:
        x_test, y_test = _read_pair(test, where)
    largest = max(int(y.max(initial=0)), 0 if y_test is None else int(y_test.max(initial=0)))
    return Dataset(name, kind, x, y, max(largest + 1, 2), x_test, y_test)


def _read_pair(
    pair: _Pair, where: Callable[[Path], str]
) -> tuple[NDArray[np.float32], NDArray[np.int64]]:
    """Features (N, 1, H, W) or (N, F) as float32, and labels as int64, checked to match."""
    if pair.images is None or pair.labels is None:
        have = pair.images or pair.labels
        assert have is not None
        missing = "labels" if pair.labels is None else "images"
        raise DataError(f"{where(have)}: found no matching {missing} file beside it")
    raw = read_idx(pair.images, where(pair.images))
    if raw.ndim not in (2, 3):
        raise DataError(
            f"{where(pair.images)}: holds data of shape {raw.shape}; expected images "
            "(N, H, W) or tabular rows (N, F)"
        )
    # pixels 0..255 -> [0, 1]; other types' range is unknown, so they are kept
    x = np.divide(raw, 255, dtype=np.float32) if raw.dtype == np.uint8 else raw.astype(np.float32)
    if x.ndim == 3:
        x = x[:, None]  # one channel
    labels = read_idx(pair.labels, where(pair.labels))
    if labels.ndim != 1 or labels.dtype.kind not in "iu":
        raise DataError(
            f"{where(pair.labels)}: holds {labels.dtype} data of shape {labels.shape}; labels "
            "must be 1-D integers (N,), one class id per sample"
        )
    if len(labels) != len(x):
        raise DataError(
            f"{where(pair.images)} has {len(x)} samples but {where(pair.labels)} has "
            f"{len(labels)} labels; they must be equal"
        )
    return x, labels.astype(np.int64)


def _read_bytes(path: Path, where: str) -> bytes:
    """The file's bytes, decompressed when it starts with the gzip magic number."""
    try:
        data = path.read_bytes()
        if data[:2] == _GZIP_MAGIC:
            data = gzip.decompress(data)
    except (OSError, EOFError, zlib.error) as error:
        raise DataError(f"{where}: cannot read it: {error}") from error
    return data
