"""From supernet to discrete cell: the strongest op on every edge, and what to report of it."""

from __future__ import annotations

from collections.abc import Sequence

import torch

from netsynth.oneshot.supernet import EDGE_NAMES
from netsynth.space.nb201_genotype import NB201Genotype

PARAMETER_FREE = ("none", "skip_connect", "avg_pool_3x3", "max_pool_3x3")


def derive_nb201(
    probabilities: torch.Tensor, ops: Sequence[str], init_channels: int, cells_per_stage: int
) -> NB201Genotype:
    """argmax per edge of the op probabilities (edges, ops), as NAS-Bench-201 derives DARTS.

    >>> p = torch.tensor([[0.1, 0.9]] * 6)
    >>> derive_nb201(p, ("none", "conv_3x3"), 4, 1).ops
    ('conv_3x3', 'conv_3x3', 'conv_3x3', 'conv_3x3', 'conv_3x3', 'conv_3x3')
    """
    chosen = probabilities.argmax(dim=-1).tolist()
    return NB201Genotype(tuple(ops[k] for k in chosen), init_channels, cells_per_stage)


def parameter_free_share(ops: Sequence[str]) -> float:
    """The share of a cell's edges whose op has no weights (none, skip, pooling)."""
    return sum(op in PARAMETER_FREE for op in ops) / len(ops)


def alpha_record(epoch: int, probabilities: torch.Tensor, ops: Sequence[str]) -> dict[str, object]:
    """One entry of ``attrs["alphas"]``: ``{"epoch": e, "edges": {edge: {op: p}}}``."""
    rows = probabilities.detach().cpu().tolist()
    return {
        "epoch": epoch,
        "edges": {
            edge: {op: round(float(p), 6) for op, p in zip(ops, row, strict=True)}
            for edge, row in zip(EDGE_NAMES, rows, strict=True)
        },
    }
