"""Datasets for netsynth: built-in ones and the user's own files, split and normalized.

>>> from netsynth.data import load_dataset, make_splits
>>> splits = make_splits(load_dataset("digits"), seed=0)
>>> splits.train.x.shape[1:], splits.num_classes
((1, 8, 8), 10)

``augment`` needs PyTorch, so it is imported only when first used: ``import netsynth.data``
stays free of torch.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from netsynth.data.dataset import DataError, Dataset
from netsynth.data.registry import BUILTIN, load_dataset
from netsynth.data.splits import Split, Splits, make_splits

if TYPE_CHECKING:
    from netsynth.data.augmentation import augment

__all__ = [
    "BUILTIN",
    "DataError",
    "Dataset",
    "Split",
    "Splits",
    "augment",
    "load_dataset",
    "make_splits",
]


def __getattr__(name: str) -> Any:
    if name == "augment":
        from netsynth.data.augmentation import augment

        return augment
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
