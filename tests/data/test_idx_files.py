"""IDX files (MNIST's format): folders of them load as datasets, plain or gzipped, and each kind
of broken file fails with a DataError naming the file, what was found and what is expected."""

from __future__ import annotations

import gzip
import struct
import time
from pathlib import Path

import numpy as np
import pytest
from numpy.typing import NDArray
from PIL import Image

from netsynth.data import DataError, load_dataset
from netsynth.data.files import FORMATS
from netsynth.data.idx_files import DTYPES, read_idx

FASHION_MNIST = Path("/usr/share/datasets/fashion-mnist")
_CODES = {np.dtype(big).newbyteorder("="): code for code, big in DTYPES.items()}


def idx_bytes(array: NDArray[np.generic]) -> bytes:
    """``array`` as an IDX file: magic, big-endian sizes, big-endian data."""
    code = _CODES[array.dtype.newbyteorder("=")]
    header = struct.pack(f">4B{array.ndim}i", 0, 0, code, array.ndim, *array.shape)
    return header + array.astype(array.dtype.newbyteorder(">")).tobytes()


def write_idx(path: Path, array: NDArray[np.generic]) -> Path:
    """Write ``array`` to ``path``, gzipped when the name ends in .gz."""
    data = idx_bytes(array)
    path.write_bytes(gzip.compress(data) if path.name.endswith(".gz") else data)
    return path


def write_pair(
    folder: Path,
    prefix: str,
    x: NDArray[np.generic],
    y: NDArray[np.generic],
    gz: bool = False,
    sep: str = "-",
) -> None:
    ext = ".gz" if gz else ""
    write_idx(folder / f"{prefix}-images{sep}idx{x.ndim}-ubyte{ext}", x)
    write_idx(folder / f"{prefix}-labels{sep}idx1-ubyte{ext}", y)


def pixels(n: int, h: int = 4, w: int = 5, seed: int = 0) -> NDArray[np.uint8]:
    return np.random.default_rng(seed).integers(0, 256, size=(n, h, w), dtype=np.uint8)


@pytest.mark.parametrize("gz", [False, True])
def test_uint8_images_with_test_set(tmp_path: Path, gz: bool) -> None:
    x, x_test = pixels(6), pixels(3, seed=1)
    write_pair(tmp_path, "train", x, np.array([0, 1, 2, 0, 1, 2], np.uint8), gz)
    write_pair(tmp_path, "t10k", x_test, np.array([2, 1, 0], np.uint8), gz)
    ds = load_dataset(str(tmp_path))
    assert (ds.kind, ds.x.shape, ds.num_classes) == ("image", (6, 1, 4, 5), 3)
    assert ds.x.dtype == np.float32 and ds.y.dtype == np.int64
    np.testing.assert_allclose(ds.x[:, 0], x / 255.0, rtol=1e-6)
    assert ds.x_test is not None and ds.y_test is not None
    np.testing.assert_allclose(ds.x_test[:, 0], x_test / 255.0, rtol=1e-6)
    assert ds.y.tolist() == [0, 1, 2, 0, 1, 2] and ds.y_test.tolist() == [2, 1, 0]


def test_float_rows_are_kept_as_tabular_and_test_prefix(tmp_path: Path) -> None:
    x = np.linspace(-3, 7, 12, dtype=np.float32).reshape(4, 3)  # (N, F): tabular
    write_pair(tmp_path, "train", x, np.array([0, 1, 1, 0], np.int32), gz=True)
    write_pair(tmp_path, "test", x[:2] * 2, np.array([1, 0], np.int16))
    ds = load_dataset(str(tmp_path))
    assert (ds.kind, ds.x.shape, ds.num_classes) == ("tabular", (4, 3), 2)
    np.testing.assert_array_equal(ds.x, x)  # float data is not rescaled
    assert ds.x_test is not None and ds.x_test.tolist() == (x[:2] * 2).tolist()


def test_float64_images_and_dotted_names(tmp_path: Path) -> None:
    x = np.arange(2 * 3 * 3, dtype=np.float64).reshape(2, 3, 3)
    write_pair(tmp_path, "train", x, np.array([1, 0], np.uint8), sep=".")  # train-images.idx3
    ds = load_dataset(str(tmp_path))
    assert (ds.x.shape, ds.x_test, ds.num_classes) == ((2, 1, 3, 3), None, 2)
    np.testing.assert_array_equal(ds.x[:, 0], x)


def test_class_count_from_largest_label_anywhere(tmp_path: Path) -> None:
    write_pair(tmp_path, "train", pixels(2), np.array([0, 1], np.uint8))
    write_pair(tmp_path, "t10k", pixels(1), np.array([1], np.uint8))
    assert load_dataset(str(tmp_path)).num_classes == 2
    only_zero = tmp_path / "zero"
    only_zero.mkdir()
    write_pair(only_zero, "train", pixels(2), np.array([0, 0], np.uint8))
    with pytest.raises(DataError, match=r"labels must be 0\.\.1 with every class present"):
        load_dataset(str(only_zero))


def test_gzip_is_recognised_by_its_magic_not_its_name(tmp_path: Path) -> None:
    write_pair(tmp_path, "train", pixels(2), np.array([0, 1], np.uint8))
    labels = tmp_path / "train-labels-idx1-ubyte"
    labels.write_bytes(gzip.compress(labels.read_bytes()))  # gzipped, named plain
    assert load_dataset(str(tmp_path)).y.tolist() == [0, 1]


def test_plain_file_wins_over_its_gzipped_copy(tmp_path: Path) -> None:
    write_pair(tmp_path, "train", pixels(2), np.array([0, 1], np.uint8))
    write_idx(tmp_path / "train-labels-idx1-ubyte.gz", np.array([1, 0], np.uint8))
    assert load_dataset(str(tmp_path)).y.tolist() == [0, 1]


def test_single_images_file_with_labels_beside_it(tmp_path: Path) -> None:
    write_pair(tmp_path, "train", pixels(3), np.array([0, 1, 0], np.uint8), gz=True)
    write_pair(tmp_path, "t10k", pixels(1), np.array([1], np.uint8))
    ds = load_dataset(str(tmp_path / "train-images-idx3-ubyte.gz"))
    assert ds.x.shape == (3, 1, 4, 5) and ds.x_test is None
    with pytest.raises(DataError, match=r"only as <prefix>-images-idx3-ubyte"):
        load_dataset(str(tmp_path / "train-labels-idx1-ubyte.gz"))
    (tmp_path / "t10k-labels-idx1-ubyte").unlink()
    with pytest.raises(DataError, match=r"no labels file beside it; expected t10k-labels"):
        load_dataset(str(tmp_path / "t10k-images-idx3-ubyte"))


def test_idx_folder_is_preferred_over_image_folder(tmp_path: Path) -> None:
    for cls in ("cat", "dog"):  # also a valid image folder
        (tmp_path / cls).mkdir()
        Image.new("L", (5, 4), 0).save(tmp_path / cls / "a.png")
    assert load_dataset(str(tmp_path)).x.shape == (2, 1, 4, 5)
    write_pair(tmp_path, "train", pixels(3, 6, 7), np.array([0, 1, 2], np.uint8))
    ds = load_dataset(str(tmp_path))
    assert (ds.x.shape, ds.class_names) == ((3, 1, 6, 7), None)


def test_bad_magic(tmp_path: Path) -> None:
    write_pair(tmp_path, "train", pixels(2), np.array([0, 1], np.uint8))
    path = tmp_path / "train-images-idx3-ubyte"
    path.write_bytes(b"\x00\x01\x08\x03" + path.read_bytes()[4:])
    with pytest.raises(DataError, match=r"train-images-idx3-ubyte: not an IDX file: it starts "):
        load_dataset(str(tmp_path))
    path.write_bytes(b"\x00\x00\x07\x03" + path.read_bytes()[4:])  # unknown type byte
    with pytest.raises(DataError, match=r"starts with 00 00 07 03; expected the magic number"):
        load_dataset(str(tmp_path))
    path.write_bytes(b"")
    with pytest.raises(DataError, match=r"starts with nothing \(empty file\)"):
        load_dataset(str(tmp_path))


def test_truncated_data_and_header(tmp_path: Path) -> None:
    write_pair(tmp_path, "train", pixels(2), np.array([0, 1], np.uint8), gz=True)
    path = tmp_path / "train-images-idx3-ubyte.gz"
    data = gzip.decompress(path.read_bytes())
    path.write_bytes(gzip.compress(data[:-3]))
    with pytest.raises(DataError, match=r"truncated: the header gives shape \(2, 4, 5\) of uint8"):
        load_dataset(str(tmp_path))
    path.write_bytes(gzip.compress(data + b"\0"))
    with pytest.raises(DataError, match=r"has extra bytes: .* 40 bytes of data, but 41 bytes"):
        load_dataset(str(tmp_path))
    path.write_bytes(gzip.compress(data[:9]))
    with pytest.raises(DataError, match=r"truncated IDX header: 9 bytes, but 3 dimensions need 16"):
        load_dataset(str(tmp_path))
    path.write_bytes(gzip.compress(data)[:-10])  # the gzip stream itself cut short
    with pytest.raises(DataError, match=r"train-images-idx3-ubyte\.gz: cannot read it: "):
        load_dataset(str(tmp_path))


def test_count_mismatch(tmp_path: Path) -> None:
    write_pair(tmp_path, "train", pixels(3), np.array([0, 1], np.uint8))
    with pytest.raises(
        DataError,
        match=r"train-images-idx3-ubyte has 3 samples but .*train-labels-idx1-ubyte has 2 labels",
    ):
        load_dataset(str(tmp_path))


def test_labels_must_be_1d_integers(tmp_path: Path) -> None:
    write_pair(tmp_path, "train", pixels(2), np.array([0.0, 1.0], np.float32))
    with pytest.raises(DataError, match=r"holds float32 data of shape \(2,\); labels must be 1-D"):
        load_dataset(str(tmp_path))
    write_pair(tmp_path, "train", pixels(2), np.array([[0], [1]], np.uint8))
    with pytest.raises(DataError, match=r"holds uint8 data of shape \(2, 1\); labels must be 1-D"):
        load_dataset(str(tmp_path))


def test_images_of_wrong_dimensions(tmp_path: Path) -> None:
    write_pair(tmp_path, "train", np.zeros((2, 1, 3, 3), np.uint8), np.array([0, 1], np.uint8))
    with pytest.raises(DataError, match=r"shape \(2, 1, 3, 3\); expected images \(N, H, W\)"):
        load_dataset(str(tmp_path))


def test_missing_training_pair_names_files_found_and_expected(tmp_path: Path) -> None:
    write_pair(tmp_path, "t10k", pixels(2), np.array([0, 1], np.uint8))
    write_idx(tmp_path / "train-images-idx3-ubyte", pixels(2))
    with pytest.raises(
        DataError,
        match=r"found IDX files t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte, "
        r"train-images-idx3-ubyte but no training pair; expected train-images-idx3-ubyte",
    ):
        load_dataset(str(tmp_path))


def test_incomplete_or_ambiguous_test_pair(tmp_path: Path) -> None:
    write_pair(tmp_path, "train", pixels(2), np.array([0, 1], np.uint8))
    write_idx(tmp_path / "t10k-images-idx3-ubyte", pixels(1))
    with pytest.raises(DataError, match=r"t10k-images-idx3-ubyte: found no matching labels file"):
        load_dataset(str(tmp_path))
    write_idx(tmp_path / "t10k-labels-idx1-ubyte", np.array([0], np.uint8))
    write_pair(tmp_path, "test", pixels(1), np.array([0], np.uint8))
    with pytest.raises(DataError, match=r"test pairs with both prefixes t10k and test"):
        load_dataset(str(tmp_path))


def test_test_images_of_another_size(tmp_path: Path) -> None:
    write_pair(tmp_path, "train", pixels(2), np.array([0, 1], np.uint8))
    write_pair(tmp_path, "t10k", pixels(2, 5, 5), np.array([0, 1], np.uint8))
    with pytest.raises(DataError, match=r"x_test has samples of shape \(1, 5, 5\) but x has"):
        load_dataset(str(tmp_path))


def test_options_are_rejected(tmp_path: Path) -> None:
    write_pair(tmp_path, "train", pixels(2), np.array([0, 1], np.uint8))
    with pytest.raises(DataError, match=r"unknown option 'kind'; valid options: none"):
        load_dataset(str(tmp_path), options={"kind": "image"})


def test_read_idx_round_trips_every_type(tmp_path: Path) -> None:
    for dtype in _CODES:
        array = np.arange(-3, 9).reshape(2, 3, 2).astype(dtype)
        back = read_idx(write_idx(tmp_path / f"{dtype}.gz", array), "a")
        assert back.dtype == dtype.newbyteorder("=") and back.dtype.isnative
        np.testing.assert_array_equal(back, array)


def test_formats_mention_idx() -> None:
    assert any("IDX" in text for text in FORMATS)


@pytest.mark.skipif(not FASHION_MNIST.is_dir(), reason="Debian's dataset-fashion-mnist absent")
def test_real_fashion_mnist_folder() -> None:
    start = time.perf_counter()
    ds = load_dataset(str(FASHION_MNIST))
    seconds = time.perf_counter() - start
    assert (ds.kind, ds.x.shape, ds.num_classes) == ("image", (60000, 1, 28, 28), 10)
    assert ds.x_test is not None and ds.y_test is not None
    assert ds.x_test.shape == (10000, 1, 28, 28) and ds.y_test.shape == (10000,)
    assert float(ds.x.min()) >= 0.0 and float(ds.x.max()) == 1.0
    assert np.bincount(ds.y).tolist() == [6000] * 10
    assert seconds < 10  # about 0.3-1 s; generous so a loaded test machine does not fail it
