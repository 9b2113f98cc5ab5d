"""Each kind of bad data fails with a DataError that says what was found, what is expected and
where. The bad files are built in tmp_path and loaded the way a user would."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from netsynth.data import DataError, load_dataset, make_splits
from tests.data.conftest import save_npz


def load(path: Path) -> None:
    load_dataset(str(path))


# Arrays saved to data.npz, and what loading it must say. Class 2 of "class_with_no_samples_in_y"
# appears only in the test set, so the training data has none of it.
BAD_NPZ: dict[str, tuple[dict[str, np.ndarray], str]] = {
    "lengths_of_x_and_y_differ": (
        {"x": np.zeros((10, 3)), "y": np.arange(9) % 3},
        r"data\.npz: x has 10 samples but y has 9",
    ),
    "labels_that_are_not_integers": (
        {"x": np.zeros((3, 2)), "y": np.array([0.0, 1.0, 0.5])},
        r"labels must be integers; y\[2\] is 0\.5",
    ),
    "string_labels": (
        {"x": np.zeros((2, 2)), "y": np.array(["cat", "dog"])},
        r"labels must be integers; y has dtype <U3",
    ),
    "labels_not_zero_to_k_minus_one": (
        {"x": np.zeros((3, 2)), "y": np.array([0, 1, 3])},
        r"labels must be 0\.\.3 with every class present; found 0, 1, 3 \(missing 2\)",
    ),
    "negative_label": (
        {"x": np.zeros((3, 2)), "y": np.array([0, 1, -1])},
        r"found -1, 0, 1 \(out of range -1\)",
    ),
    "class_with_no_samples_in_y": (
        {
            "x": np.zeros((4, 2)),
            "y": np.array([0, 1, 0, 1]),
            "x_test": np.zeros((3, 2)),
            "y_test": np.array([0, 1, 2]),
        },
        r"found 0, 1 \(missing 2\)",
    ),
    "empty_dataset": (
        {"x": np.zeros((0, 3)), "y": np.zeros(0, dtype=np.int64)},
        r"x is empty \(shape \(0, 3\)\); expected N >= 1",
    ),
    "without_x_and_y": (
        {"features": np.zeros((2, 2)), "labels": np.array([0, 1])},
        r"found arrays features, labels; expected x and y",
    ),
    "test_arrays_with_other_feature_shape": (
        {
            "x": np.zeros((4, 3)),
            "y": np.array([0, 1, 0, 1]),
            "x_test": np.zeros((2, 5)),
            "y_test": np.array([0, 1]),
        },
        r"x_test has samples of shape \(5,\) but x has \(3,\)",
    ),
}

# The bytes of data.csv, and what loading it must say.
BAD_CSV: dict[str, tuple[bytes, str]] = {
    "non_integer_label": (b"a,label\n1,0\n2,1\n3,1.5\n", r"column 'label' has '1\.5' on line 4"),
    "nan": (b"a,b,label\n1,2,0\n3,nan,1\n", r"1 non-finite values \(1 NaN, 0 inf\).*sample 1"),
    "binary": (b"PK\x03\x04\x00\x00binary", r"data\.csv: this is a binary file"),
    "no_rows": (b"a,b,label\n\n", r"has a header row but no data rows"),
    "non_numeric_feature": (
        b"a,colour,label\n1,2,0\n3,red,1\n",
        r"column 'colour' is not numeric: line 3 has 'red'",
    ),
    "row_with_missing_fields": (
        b"a,b,label\n1,2,0\n3,1\n",
        r"line 3 has 2 fields but the header has 3",
    ),
}


@pytest.mark.parametrize(("arrays", "expected"), BAD_NPZ.values(), ids=BAD_NPZ.keys())
def test_bad_npz(tmp_path: Path, arrays: dict[str, np.ndarray], expected: str) -> None:
    path = save_npz(tmp_path, **arrays)
    with pytest.raises(DataError, match=expected):
        load(path)


@pytest.mark.parametrize(("content", "expected"), BAD_CSV.values(), ids=BAD_CSV.keys())
def test_bad_csv(tmp_path: Path, content: bytes, expected: str) -> None:
    path = tmp_path / "data.csv"
    path.write_bytes(content)
    with pytest.raises(DataError, match=expected):
        load(path)


def test_class_folder_without_images(tmp_path: Path) -> None:
    for cls in ("cat", "dog"):
        (tmp_path / "pets" / cls).mkdir(parents=True)
    Image.new("L", (4, 4)).save(tmp_path / "pets" / "cat" / "a.png")
    with pytest.raises(DataError, match=r"class folder 'dog' has no images"):
        load(tmp_path / "pets")


def test_nan_and_inf_in_features(tmp_path: Path) -> None:
    x = np.zeros((6, 3))
    x[2, 1] = np.nan
    x[4, 0] = np.inf
    path = save_npz(tmp_path, x=x, y=np.arange(6) % 2)
    expected = (
        r"x has 2 non-finite values \(1 NaN, 1 inf\); the first is at sample 2, index \(2, 1\)"
    )
    with pytest.raises(DataError, match=expected):
        load(path)


def test_empty_split(tmp_path: Path) -> None:
    dataset = load_dataset(str(save_npz(tmp_path, x=np.zeros((20, 2)), y=np.arange(20) % 2)))
    with pytest.raises(DataError, match=r"val_fraction must be in \(0, 1\).*got 0\.0"):
        make_splits(dataset, val_fraction=0.0)
    with pytest.raises(DataError, match=r"train split is not empty"):
        make_splits(dataset, val_fraction=0.5, test_fraction=0.5)


def test_images_of_differing_sizes(tmp_path: Path) -> None:
    for cls, size in (("a", (8, 6)), ("b", (8, 7))):
        (tmp_path / "img" / cls).mkdir(parents=True)
        Image.new("L", size).save(tmp_path / "img" / cls / "1.png")
    expected = r"img/b/1\.png is 8x7 \(width x height\) L but .*img/a/1\.png is 8x6"
    with pytest.raises(DataError, match=expected):
        load(tmp_path / "img")


def test_images_of_differing_modes(tmp_path: Path) -> None:
    for cls, mode in (("a", "L"), ("b", "RGB")):
        (tmp_path / "img" / cls).mkdir(parents=True)
        Image.new(mode, (5, 5)).save(tmp_path / "img" / cls / "1.png")
    with pytest.raises(DataError, match=r"img/b/1\.png is 5x5 \(width x height\) RGB but .* L"):
        load(tmp_path / "img")


def test_npz_that_is_not_a_zip(tmp_path: Path) -> None:
    path = tmp_path / "data.npz"
    np.save(tmp_path / "plain.npy", np.zeros(3))
    (tmp_path / "plain.npy").rename(path)  # an .npy saved under an .npz name
    with pytest.raises(DataError, match=r"data\.npz: not an \.npz archive"):
        load(path)


def test_image_pillow_cannot_open(tmp_path: Path) -> None:
    for cls in ("a", "b"):
        (tmp_path / "img" / cls).mkdir(parents=True)
        Image.new("L", (4, 4)).save(tmp_path / "img" / cls / "1.png")
    (tmp_path / "img" / "b" / "2.png").write_text("not an image")
    with pytest.raises(DataError, match=r"img/b/2\.png is not an image Pillow can read"):
        load(tmp_path / "img")
