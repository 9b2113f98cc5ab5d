"""What to report of a derived genotype and of the op weights it came from, for any supernet."""

from __future__ import annotations

from collections.abc import Sequence

import torch

from netsynth.space.cell_genotype import Cell, CellGenotype
from netsynth.space.nb201_genotype import NB201Genotype

PARAMETER_FREE = ("none", "skip_connect", "avg_pool_3x3", "max_pool_3x3")

OneShotGenotype = NB201Genotype | CellGenotype


def edge_ops(genotype: OneShotGenotype) -> tuple[str, ...]:
    """The op of every edge: the NB201 cell's six, or the normal then the reduction cell's.

    >>> edge_ops(NB201Genotype(("conv_3x3",) * 6))[:2]
    ('conv_3x3', 'conv_3x3')
    """
    if isinstance(genotype, NB201Genotype):
        return genotype.ops
    return tuple(op for cell in (genotype.normal, genotype.reduce) for op, _ in _edges(cell))


def normal_cell_ops(genotype: OneShotGenotype) -> tuple[str, ...]:
    """The ops of the cell repeated through the network (DARTS+ counts skips there)."""
    if isinstance(genotype, NB201Genotype):
        return genotype.ops
    return tuple(op for op, _ in _edges(genotype.normal))


def _edges(cell: Cell) -> list[tuple[str, int]]:
    return [edge for node in cell.nodes for edge in node]


def parameter_free_share(genotype: OneShotGenotype) -> float:
    """The share of the genotype's edges whose op has no weights (none, skip, pooling)."""
    ops = edge_ops(genotype)
    return sum(op in PARAMETER_FREE for op in ops) / len(ops)


def alpha_record(
    epoch: int, probabilities: torch.Tensor, ops: Sequence[str], edge_names: Sequence[str]
) -> dict[str, object]:
    """One entry of ``attrs["alphas"]``: ``{"epoch": e, "edges": {edge: {op: p}}}``."""
    rows = probabilities.detach().reshape(-1, len(ops)).cpu().tolist()
    return {
        "epoch": epoch,
        "edges": {
            edge: {op: round(float(p), 6) for op, p in zip(ops, row, strict=True)}
            for edge, row in zip(edge_names, rows, strict=True)
        },
    }
