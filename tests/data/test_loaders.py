"""Each user file format loads into the right kind, layout, dtype and labels."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from netsynth.data import DataError, load_dataset
from tests.data.conftest import save_npz


def test_npz_tabular(tmp_path: Path) -> None:
    x = np.random.default_rng(0).normal(size=(6, 3))
    ds = load_dataset(str(save_npz(tmp_path, x=x, y=np.arange(6) % 3)))
    assert (ds.kind, ds.x.shape, ds.num_classes) == ("tabular", (6, 3), 3)
    assert ds.x.dtype == np.float32 and ds.y.dtype == np.int64
    np.testing.assert_allclose(ds.x, x, rtol=1e-6)
    assert ds.x_test is None and ds.class_names is None


def test_npz_sequence_with_test_set(tmp_path: Path) -> None:
    arrays = {"x": np.ones((4, 2, 10)), "y": np.array([0, 1, 0, 1])}
    path = save_npz(tmp_path, **arrays, x_test=np.ones((2, 2, 10)), y_test=np.array([1, 1]))
    ds = load_dataset(str(path))
    assert (ds.kind, ds.input_shape) == ("sequence", (2, 10))
    assert ds.x_test is not None and ds.x_test.shape == (2, 2, 10)
    assert ds.y_test is not None and ds.y_test.tolist() == [1, 1]


def test_npz_image(tmp_path: Path) -> None:
    ds = load_dataset(str(save_npz(tmp_path, x=np.zeros((4, 3, 5, 6)), y=np.array([0, 1, 1, 0]))))
    assert (ds.kind, ds.input_shape) == ("image", (3, 5, 6))


def test_npz_channels_last_image_and_sequence(tmp_path: Path) -> None:
    image = np.arange(2 * 5 * 6 * 3, dtype=np.float32).reshape(2, 5, 6, 3)  # (N, H, W, C)
    path = save_npz(tmp_path, "img.npz", x=image, y=np.array([0, 1]))
    ds = load_dataset(str(path), options={"channels_last": True})
    assert ds.x.shape == (2, 3, 5, 6)
    np.testing.assert_array_equal(ds.x[1, 2], image[1, :, :, 2])

    seq = np.arange(2 * 7 * 4, dtype=np.float32).reshape(2, 7, 4)  # (N, L, C)
    path = save_npz(tmp_path, "seq.npz", x=seq, y=np.array([0, 1]))
    ds = load_dataset(str(path), options={"channels_last": True})
    assert ds.x.shape == (2, 4, 7)
    np.testing.assert_array_equal(ds.x[0, 3], seq[0, :, 3])


def test_npz_kind_option_adds_the_channel_axis(tmp_path: Path) -> None:
    path = save_npz(tmp_path, x=np.zeros((2, 5, 6)), y=np.array([0, 1]))  # (N, H, W) grey
    assert load_dataset(str(path), options={"kind": "image"}).x.shape == (2, 1, 5, 6)
    assert load_dataset(str(path), options={"kind": "tabular"}).x.shape == (2, 30)
    assert load_dataset(str(path)).kind == "sequence"


def test_npz_bad_options(tmp_path: Path) -> None:
    path = save_npz(tmp_path, x=np.zeros((2, 5)), y=np.array([0, 1]))
    with pytest.raises(DataError, match=r"unknown option 'chanels_last'; valid options: "):
        load_dataset(str(path), options={"chanels_last": True})
    with pytest.raises(DataError, match=r"unknown kind 'video'; expected one of image"):
        load_dataset(str(path), options={"kind": "video"})
    with pytest.raises(DataError, match=r"kind image needs \(N, C, H, W\)"):
        load_dataset(str(path), options={"kind": "image"})


def test_csv_with_string_labels(tmp_path: Path) -> None:
    path = tmp_path / "iris.csv"
    path.write_text("species,w,l\nsetosa,1,2\nvirginica,3,4\nsetosa,5,6\nversicolor,7,8\n")
    ds = load_dataset(str(path), options={"label": "species"})
    assert ds.class_names == ("setosa", "versicolor", "virginica")
    assert ds.y.tolist() == [0, 2, 0, 1]
    assert ds.x.tolist() == [[1, 2], [3, 4], [5, 6], [7, 8]]
    assert (ds.kind, ds.num_classes) == ("tabular", 3)


def test_csv_label_column_defaults(tmp_path: Path) -> None:
    named = tmp_path / "named.csv"
    named.write_text("label,a,b\n1,2,3\n0,4,5\n")
    assert load_dataset(str(named)).y.tolist() == [1, 0]
    last = tmp_path / "last.csv"
    last.write_text("a,b,target\n2,3,1\n4,5,0\n")
    ds = load_dataset(str(last))
    assert ds.y.tolist() == [1, 0] and ds.x.tolist() == [[2, 3], [4, 5]]
    assert ds.class_names is None


def test_csv_missing_label_column(tmp_path: Path) -> None:
    path = tmp_path / "data.csv"
    path.write_text("a,b\n1,0\n2,1\n")
    with pytest.raises(DataError, match=r"no column named 'y' \(option label\); columns: a, b"):
        load_dataset(str(path), options={"label": "y"})


def make_folder(root: Path, mode: str, colours: dict[str, list[int]]) -> None:
    for cls, values in colours.items():
        (root / cls).mkdir(parents=True)
        for i, value in enumerate(values):
            fill = value if mode == "L" else (value, 0, 255 - value)
            Image.new(mode, (6, 4), fill).save(root / cls / f"{i}.png")


def test_image_folder_grey(tmp_path: Path) -> None:
    make_folder(tmp_path, "L", {"b_zero": [0, 0], "a_full": [255], "c_mid": [51]})
    (tmp_path / "a_full" / ".DS_Store").write_bytes(b"\0junk")  # hidden files are skipped
    ds = load_dataset(str(tmp_path))
    assert ds.class_names == ("a_full", "b_zero", "c_mid")
    assert (ds.kind, ds.x.shape, ds.x.dtype) == ("image", (4, 1, 4, 6), np.float32)
    assert ds.y.tolist() == [0, 1, 1, 2]
    assert [float(v) for v in ds.x[:, 0, 0, 0]] == pytest.approx([1.0, 0.0, 0.0, 0.2])


def test_image_folder_rgb(tmp_path: Path) -> None:
    make_folder(tmp_path, "RGB", {"x": [255], "y": [0]})
    ds = load_dataset(str(tmp_path))
    assert ds.x.shape == (2, 3, 4, 6)
    assert ds.x[0, :, 2, 3].tolist() == [1.0, 0.0, 0.0]
    assert ds.x[1, :, 2, 3].tolist() == [0.0, 0.0, 1.0]
    assert float(ds.x.min()) >= 0.0 and float(ds.x.max()) <= 1.0
