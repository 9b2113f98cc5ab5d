"""The tabular benchmark's table: one row per distinct cell, looked up by any equivalent cell.

>>> table = TabularTable.load()  # the table shipped with netsynth
>>> row = table.row(("conv_3x3",) * 6)
>>> 0.0 < row.test_acc <= 1.0 and len(row.val_acc) == table.epochs
True
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from netsynth.space.genotype import GenotypeError
from netsynth.space.nb201_genotype import canonical_ops

TABLE_VERSION = 1
SHIPPED = "nb201_mnist1d.npz"  # in netsynth/tabular/data/


def cell_key(cell: Sequence[str]) -> str:
    return ",".join(cell)


@dataclass(frozen=True)
class TableRow:
    cell: tuple[str, ...]  # canonical
    val_acc: NDArray[np.float32]  # after each epoch
    train_loss: NDArray[np.float32]
    test_acc: float  # after the last epoch
    params: int
    flops: int
    epoch_seconds: float  # one epoch trained alone, from the table's cost model


class TabularTable:
    def __init__(self, arrays: dict[str, Any], source: str) -> None:
        self.header: dict[str, Any] = json.loads(str(arrays["header"]))
        if self.header.get("version") != TABLE_VERSION:
            raise ValueError(
                f"{source}: table version {self.header.get('version')!r}, this netsynth reads "
                f"version {TABLE_VERSION}; regenerate it with python -m netsynth.tabular.generate"
            )
        self.source = source
        self.cells: list[str] = [str(c) for c in arrays["cells"]]
        self._index = {key: i for i, key in enumerate(self.cells)}
        self.val_acc: NDArray[np.float32] = arrays["val_acc"]
        self.train_loss: NDArray[np.float32] = arrays["train_loss"]
        self.test_acc: NDArray[np.float32] = arrays["test_acc"]
        self.params: NDArray[np.int64] = arrays["params"]
        self.flops: NDArray[np.int64] = arrays["flops"]
        self.epoch_seconds: NDArray[np.float32] = arrays["epoch_seconds"]
        self.ops: tuple[str, ...] = tuple(self.header["recipe"]["ops"])
        self.epochs: int = int(self.val_acc.shape[1])

    @classmethod
    def load(cls, path: str | Path | None = None) -> TabularTable:
        """The table at ``path``; by default the one shipped with netsynth (loaded once)."""
        return _load(str(path) if path is not None else None)

    def __len__(self) -> int:
        return len(self.cells)

    def index(self, cell: Sequence[str]) -> int:
        """The row of ``cell`` (any of its equivalent forms); a GenotypeError if not held."""
        outside = sorted({op for op in cell if op not in self.ops})
        if outside:
            raise GenotypeError(
                f"the table covers cells over the ops {', '.join(self.ops)}; "
                f"this cell uses {', '.join(outside)} (set space.ops to the table's ops)"
            )
        key = cell_key(canonical_ops(cell))
        if key not in self._index:
            raise GenotypeError(f"cell {cell_key(cell)} is not in the table {self.source}")
        return self._index[key]

    def row(self, cell: Sequence[str]) -> TableRow:
        i = self.index(cell)
        return TableRow(
            tuple(self.cells[i].split(",")),
            self.val_acc[i],
            self.train_loss[i],
            float(self.test_acc[i]),
            int(self.params[i]),
            int(self.flops[i]),
            float(self.epoch_seconds[i]),
        )

    def best_test_acc(self) -> float:
        """The optimum: the highest test accuracy of any cell (regret is measured to it)."""
        return float(self.test_acc.max())


@cache
def _load(path: str | None) -> TabularTable:
    if path is None:
        resource = files("netsynth.tabular").joinpath("data", SHIPPED)
        with resource.open("rb") as handle, np.load(handle) as arrays:
            return TabularTable(dict(arrays), f"netsynth/tabular/data/{SHIPPED}")
    if not Path(path).is_file():
        raise FileNotFoundError(f"no tabular benchmark table at {path}")
    with np.load(path) as arrays:
        return TabularTable(dict(arrays), path)
