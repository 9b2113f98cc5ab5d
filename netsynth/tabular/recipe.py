"""What a tabular benchmark's table was made with: the space, the data and the training recipe."""

from __future__ import annotations

import itertools
from dataclasses import asdict, dataclass, field
from typing import Any

from netsynth.space.nb201_genotype import canonical_ops


@dataclass(frozen=True)
class TableRecipe:
    """One fixed recipe for every cell: NAS-Bench-201's (SGD with Nesterov momentum, cosine
    learning rate, weight decay) at MNIST-1D's scale. ``group_size`` networks train at once."""

    ops: tuple[str, ...] = ("none", "skip_connect", "conv_3x3", "avg_pool_3x3")
    init_channels: int = 4
    cells_per_stage: int = 1
    epochs: int = 12
    batch_size: int = 128
    learning_rate: float = 0.1
    momentum: float = 0.9
    weight_decay: float = 5e-4
    val_fraction: float = 0.25  # of MNIST-1D's 4000 training sequences; its 1000 are the test
    seed: int = 0
    group_size: int = 64
    mnist1d: dict[str, Any] = field(default_factory=dict)  # generator options; {} = standard

    def cells(self) -> list[tuple[str, ...]]:
        """Every distinct cell (canonical form) over ``ops``, sorted."""
        every = itertools.product(self.ops, repeat=6)
        return sorted({canonical_ops(cell) for cell in every})

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["ops"] = list(self.ops)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TableRecipe:
        return cls(**{**data, "ops": tuple(data["ops"])})
