"""A mixed operation: every candidate op on one edge, weighted by the edge's gate.

The gate is shared by every edge of the supernet and set once per forward pass: either op
weights (DARTS: softmax(alpha), shape (edges, ops)) or one chosen op per edge (ENAS).
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from netsynth.nn.ops import make_op


class Gate:
    """What the mixed ops compute on this forward pass (plain state, not a module)."""

    def __init__(self) -> None:
        self.weights: torch.Tensor | None = None  # (edges, ops): a weighted sum of every op
        self.choice: Sequence[int] | None = None  # per edge: the one op to run

    def mix(self, weights: torch.Tensor) -> None:
        self.weights, self.choice = weights, None

    def pick(self, choice: Sequence[int]) -> None:
        self.weights, self.choice = None, list(choice)


class MixedOp(nn.Module):
    """sum_o w_o * o(x) over the candidate ops of edge ``edge``; ``none`` contributes zero
    (its weight still takes a share of the softmax, as in DARTS)."""

    def __init__(
        self,
        gate: Gate,
        edge: int,
        ops: Sequence[str],
        channels: int,
        dims: int,
        stride: int = 1,
        affine: bool = True,
    ) -> None:
        super().__init__()
        self.gate = gate
        self.edge = edge
        self.names = tuple(ops)
        self.ops = nn.ModuleList(
            nn.Identity() if op == "none" else make_op(op, channels, stride, dims, affine)
            for op in ops
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.gate.choice is not None:
            k = self.gate.choice[self.edge]
            return torch.zeros_like(x) if self.names[k] == "none" else self.ops[k](x)
        assert self.gate.weights is not None, "set the gate before calling the supernet"
        weights = self.gate.weights[self.edge]  # (ops,)
        terms = [weights[k] * op(x) for k, op in enumerate(self.ops) if self.names[k] != "none"]
        return sum(terms[1:], terms[0]) if terms else torch.zeros_like(x)
