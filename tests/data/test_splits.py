"""make_splits: stratified, seeded, normalized with statistics of the train split only."""

from __future__ import annotations

import numpy as np
import pytest

from netsynth.data import DataError, Dataset, Splits, make_splits


def imbalanced(n_per_class: tuple[int, ...] = (50, 30, 20), features: int = 3) -> Dataset:
    """Tabular data whose column 0 is the sample's index, so splits can be traced back."""
    y = np.repeat(np.arange(len(n_per_class)), n_per_class)
    rng = np.random.default_rng(7)
    x = rng.normal(3.0, 2.0, size=(len(y), features))
    x[:, 0] = np.arange(len(y))
    return Dataset("toy", "tabular", x, y, len(n_per_class))


def original_index(splits: Splits, x: np.ndarray) -> np.ndarray:
    return np.rint(x[:, 0] * splits.std[0] + splits.mean[0]).astype(int)


def test_stratified_class_proportions_and_a_partition() -> None:
    ds = imbalanced()
    splits = make_splits(ds, val_fraction=0.2, test_fraction=0.25, seed=1)
    for split, fraction in ((splits.val, 0.2), (splits.test, 0.25), (splits.train, 0.55)):
        counts = np.bincount(split.y, minlength=3)
        assert np.all(np.abs(counts - fraction * np.array([50, 30, 20])) <= 1), counts
    indices = [original_index(splits, s.x) for s in (splits.train, splits.val, splits.test)]
    joined = np.concatenate(indices)
    assert sorted(joined.tolist()) == list(range(100))  # every sample in exactly one split
    for split, index in zip((splits.train, splits.val, splits.test), indices, strict=True):
        np.testing.assert_array_equal(split.y, ds.y[index])  # labels travel with their samples


def test_same_seed_same_splits_other_seed_other_splits() -> None:
    ds = imbalanced()
    a, b, c = (make_splits(ds, seed=s) for s in (4, 4, 5))
    for name in ("train", "val", "test"):
        np.testing.assert_array_equal(getattr(a, name).x, getattr(b, name).x)
        np.testing.assert_array_equal(getattr(a, name).y, getattr(b, name).y)
    assert not np.array_equal(original_index(a, a.val.x), original_index(c, c.val.x))


def test_normalization_fitted_on_train_only() -> None:
    ds = imbalanced()
    splits = make_splits(ds, seed=2)
    assert splits.mean.shape == splits.std.shape == (3,)
    np.testing.assert_allclose(splits.train.x.mean(0), 0.0, atol=1e-5)
    np.testing.assert_allclose(splits.train.x.std(0), 1.0, atol=1e-5)
    # wildly different validation and test data must not move the statistics
    held_out = np.concatenate([original_index(splits, s.x) for s in (splits.val, splits.test)])
    x = ds.x.copy()
    x[held_out, 1:] = x[held_out, 1:] * 100 + 1000
    changed = make_splits(Dataset("changed", "tabular", x, ds.y, 3), seed=2)
    np.testing.assert_array_equal(changed.mean[1:], splits.mean[1:])
    np.testing.assert_array_equal(changed.std[1:], splits.std[1:])
    np.testing.assert_array_equal(changed.train.x, splits.train.x)
    assert float(np.abs(changed.val.x[:, 1:]).min()) > 100  # applied, not refitted


def test_per_channel_statistics_for_images_and_sequences() -> None:
    rng = np.random.default_rng(0)
    y = np.arange(40) % 2
    image = rng.normal(size=(40, 2, 4, 5)) * np.array([1.0, 5.0])[:, None, None] + 3
    splits = make_splits(Dataset("img", "image", image, y, 2), seed=0)
    assert splits.mean.shape == (2, 1, 1) and splits.input_shape == (2, 4, 5)
    np.testing.assert_allclose(splits.train.x.mean((0, 2, 3)), 0.0, atol=1e-5)
    np.testing.assert_allclose(splits.train.x.std((0, 2, 3)), 1.0, atol=1e-5)
    seq = np.concatenate([rng.normal(size=(40, 1, 6)), np.full((40, 1, 6), 7.0)], axis=1)
    splits = make_splits(Dataset("seq", "sequence", seq, y, 2), seed=0)
    assert splits.mean.shape == (2, 1)
    assert splits.std[1, 0] == 1.0  # a constant channel: std 0 replaced by 1
    np.testing.assert_array_equal(splits.train.x[:, 1], 0.0)
    assert splits.train.x.dtype == np.float32 and splits.train.y.dtype == np.int64


def test_provided_test_set_is_the_test_split() -> None:
    rng = np.random.default_rng(0)
    x_test = rng.normal(size=(7, 3))
    y_test = np.array([0, 1, 2, 0, 1, 2, 0])
    base = imbalanced()
    ds = Dataset("t", "tabular", base.x, base.y, 3, x_test=x_test, y_test=y_test)
    splits = make_splits(ds, val_fraction=0.3, test_fraction=0.9, seed=0)
    np.testing.assert_array_equal(splits.test.y, y_test)
    np.testing.assert_allclose(splits.test.x, (x_test - splits.mean) / splits.std, rtol=1e-5)
    assert len(splits.train.y) + len(splits.val.y) == 100
    assert np.bincount(splits.val.y).tolist() == [15, 9, 6]


def test_train_and_val() -> None:
    splits = make_splits(imbalanced(), seed=0)
    both = splits.train_and_val()
    assert len(both.y) == len(splits.train.y) + len(splits.val.y)
    np.testing.assert_array_equal(both.x[len(splits.train.y) :], splits.val.x)


def test_class_too_small_to_stratify() -> None:
    ds = Dataset("few", "tabular", np.zeros((12, 2)), np.array([0] * 5 + [1] * 5 + [2] * 2), 3)
    with pytest.raises(DataError, match=r"few: class 2 has only 2 samples; .* 3 or more"):
        make_splits(ds)
    named = Dataset("few", "tabular", ds.x, ds.y, 3, class_names=("a", "b", "c"))
    with pytest.raises(DataError, match=r"class 2 \('c'\) has only 2 samples"):
        make_splits(named)
