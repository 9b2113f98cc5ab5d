"""Train / validation / test splits: stratified, seeded, normalized with train statistics only.

Each class is divided on its own, so every split keeps the class proportions of the data (within
one sample per class). The mean and std are fitted on the train split alone — per channel for
image and sequence data, per feature for tabular data — and applied to all three, so nothing
about validation or test data leaks into training.

>>> import numpy as np
>>> x = np.arange(40, dtype=np.float32).reshape(20, 2)
>>> ds = Dataset("toy", "tabular", x, np.arange(20) % 2, num_classes=2)
>>> splits = make_splits(ds, val_fraction=0.2, test_fraction=0.2, seed=0)
>>> len(splits.train.y), len(splits.val.y), len(splits.test.y)
(12, 4, 4)
>>> bool(abs(splits.train.x.mean()) < 1e-6)
True
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from netsynth.data.dataset import DataError, Dataset

_MIN_STD = 1e-12  # a feature this flat is constant: divide by 1, not by rounding noise


@dataclass(frozen=True)
class Split:
    x: NDArray[np.float32]  # normalized, same layout as the dataset
    y: NDArray[np.int64]


@dataclass(frozen=True)
class Splits:
    train: Split
    val: Split
    test: Split
    kind: str
    num_classes: int
    input_shape: tuple[int, ...]
    class_names: tuple[str, ...] | None
    mean: NDArray[np.float32]  # train only; (C, 1, 1) image, (C, 1) sequence, (F,) tabular
    std: NDArray[np.float32]  # same shape; zeros replaced by 1

    def train_and_val(self) -> Split:
        """Train and validation together, for retraining the chosen model on both."""
        return Split(
            np.concatenate([self.train.x, self.val.x]),
            np.concatenate([self.train.y, self.val.y]),
        )


def make_splits(
    dataset: Dataset, *, val_fraction: float = 0.2, test_fraction: float = 0.2, seed: int = 0
) -> Splits:
    """Stratified and seeded. If the dataset has x_test it is the test split (test_fraction
    unused) and val comes from x; otherwise test and val both come from x. Normalization fitted
    on train only and applied to all three. DataError when a split would be empty or a class has
    too few samples to stratify (say which class and how many)."""
    provided_test = dataset.x_test is not None and dataset.y_test is not None
    fractions = {"val_fraction": val_fraction}
    if not provided_test:
        fractions["test_fraction"] = test_fraction
    _check_fractions(fractions)
    rng = np.random.default_rng(seed)
    parts = _stratified_indices(dataset, list(fractions.values()), rng)
    train, val = parts[0], parts[1]
    if dataset.x_test is not None and dataset.y_test is not None:
        x_test, y_test = dataset.x_test, dataset.y_test
    else:
        x_test, y_test = dataset.x[parts[2]], dataset.y[parts[2]]
    mean, std = _fit_normalization(dataset.x[train], dataset.kind)

    def normalized(x: NDArray[np.float32], y: NDArray[np.int64]) -> Split:
        return Split(((x - mean) / std).astype(np.float32), y)

    return Splits(
        train=normalized(dataset.x[train], dataset.y[train]),
        val=normalized(dataset.x[val], dataset.y[val]),
        test=normalized(x_test, y_test),
        kind=dataset.kind,
        num_classes=dataset.num_classes,
        input_shape=dataset.input_shape,
        class_names=dataset.class_names,
        mean=mean,
        std=std,
    )


def _check_fractions(fractions: dict[str, float]) -> None:
    for name, value in fractions.items():
        if not 0.0 < value < 1.0:
            raise DataError(f"{name} must be in (0, 1) so the split is not empty; got {value!r}")
    if sum(fractions.values()) >= 1.0:
        listed = " + ".join(f"{name} ({value})" for name, value in fractions.items())
        raise DataError(f"{listed} must be < 1 so that the train split is not empty")


def _stratified_indices(
    dataset: Dataset, fractions: list[float], rng: np.random.Generator
) -> list[NDArray[np.int64]]:
    """Indices into x for [train, *one split per fraction], each class divided on its own."""
    names = ["train", "val", "test"][: len(fractions) + 1]
    parts: list[list[NDArray[np.int64]]] = [[] for _ in names]
    for c in range(dataset.num_classes):
        members = rng.permutation(np.flatnonzero(dataset.y == c))
        # round half up, at least one per split: within one sample of the exact share
        counts = [max(1, int(np.floor(len(members) * f + 0.5))) for f in fractions]
        if len(members) - sum(counts) < 1:
            label = _class_label(dataset, c)
            raise DataError(
                f"{dataset.name}: class {label} has only {len(members)} samples; a stratified "
                f"{' / '.join(names)} split needs at least one in each, so "
                f"{sum(counts) + 1} or more (or lower the fractions)"
            )
        bounds = np.cumsum(counts)
        pieces = np.split(members, bounds)
        parts[0].append(pieces[-1])
        for i in range(len(fractions)):
            parts[i + 1].append(pieces[i])
    return [rng.permutation(np.concatenate(p)).astype(np.int64) for p in parts]


def _class_label(dataset: Dataset, c: int) -> str:
    if dataset.class_names is None:
        return str(c)
    return f"{c} ({dataset.class_names[c]!r})"


def _fit_normalization(
    x: NDArray[np.float32], kind: str
) -> tuple[NDArray[np.float32], NDArray[np.float32]]:
    """Mean and std per channel (image, sequence) or per feature (tabular), as float32 arrays
    shaped to broadcast against one sample."""
    axes = (0,) if kind == "tabular" else (0, *range(2, x.ndim))
    mean = x.mean(axis=axes, dtype=np.float64, keepdims=True)[0]
    std = x.std(axis=axes, dtype=np.float64, keepdims=True)[0]
    std = np.where(std > _MIN_STD, std, 1.0)
    return mean.astype(np.float32), std.astype(np.float32)
