"""One-hot encodings of the choices a space's configuration lists, and those lists without
repeats: how every space turns a genotype into the vector predictors read.

>>> unique([3, 5, 3])
[3, 5]
>>> one_hot(5, [3, 5])
array([0., 1.], dtype=float32)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np


def unique(values: Sequence[Any]) -> list[Any]:
    """``values`` without repeats, in first-seen order (a config may list a value twice)."""
    return list(dict.fromkeys(values))


def one_hot(value: Any, values: Sequence[Any]) -> np.ndarray:
    """A float32 vector over ``values`` with a 1 where ``value`` is (all zeros if absent)."""
    vector = np.zeros(len(values), dtype=np.float32)
    if value in values:
        vector[list(values).index(value)] = 1.0
    return vector
