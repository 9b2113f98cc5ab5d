"""Whether left-right mirroring keeps labels is measured from the data: images whose classes
differ only in their left-right layout say no, mirror-symmetric classes say yes, and data too
small or too noisy to tell says no (flips stay off)."""

from __future__ import annotations

import numpy as np

from netsynth.data.mirror_check import mirror_check


def _two_classes(symmetric: bool, n: int = 600) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(1)
    y = rng.integers(0, 2, n)
    x = rng.normal(scale=0.3, size=(n, 1, 6, 10)).astype(np.float32)
    x[y == 0, :, :, :3] += 1.0  # class 0: a bright left edge
    x[y == 1, :, 2:4, :] += 1.0  # class 1: a bright middle band
    if not symmetric:
        x[y == 1, :, :, 7:] += 1.0  # class 1 now also has a bright right edge: mirrored 1 ~ 0
    else:
        x[y == 0, :, :, 7:] += 1.0  # class 0: both edges, so its mirror image is itself
    return x, y


def test_classes_told_apart_by_left_and_right_do_not_keep_labels_when_mirrored() -> None:
    check = mirror_check(*_two_classes(symmetric=False))
    assert check.plain is not None and check.plain > 0.95
    assert check.mirrored is not None and check.mirrored < 0.6
    assert not check.keeps_labels and "do not keep" in check.describe()


def test_mirror_symmetric_classes_keep_labels() -> None:
    check = mirror_check(*_two_classes(symmetric=True))
    assert check.keeps_labels and check.score is not None and check.score > 0.9
    assert "keep their labels" in check.describe()


def test_too_little_or_signal_free_data_says_no() -> None:
    x, y = _two_classes(symmetric=True, n=3)
    assert mirror_check(x, y).score is None and not mirror_check(x, y).keeps_labels
    noise = np.random.default_rng(2).normal(size=(400, 1, 6, 10)).astype(np.float32)
    labels = np.random.default_rng(3).integers(0, 4, 400)
    check = mirror_check(noise, labels)
    assert check.score is None and not check.keeps_labels
    assert "too little signal" in check.describe()


def test_the_check_is_reproducible_for_a_seed() -> None:
    x, y = _two_classes(symmetric=False, n=9_000)
    assert mirror_check(x, y, seed=5) == mirror_check(x, y, seed=5)
