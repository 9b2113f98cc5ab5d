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
        # per edge and op: whether the op runs; None: all do (weights that alpha's gradient
        # flows through are never skipped, and reading them would cost a device sync a step)
        self.active: list[list[bool]] | None = None

    def mix(self, weights: torch.Tensor) -> None:
        """Weigh every op by ``weights``; ops weighted exactly 0 (a discretized edge, an op
        removed by DARTS-PT) are not computed: they add 0 and get no gradient."""
        self.weights, self.choice = weights, None
        self.active = None if weights.requires_grad else (weights != 0).tolist()

    def pick(self, choice: Sequence[int]) -> None:
        self.weights, self.choice, self.active = None, list(choice), None


class MixedOp(nn.Module):
    """sum_o w_o * o(x) over the candidate ops of edge ``edge``; ``none`` contributes zero
    (its weight still takes a share of the softmax, as in DARTS), and so do ops whose fixed
    weight is exactly 0, which are skipped (see ``Gate.mix``)."""

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
        self.stride = stride
        self.ops = nn.ModuleList(
            nn.Identity() if op == "none" else make_op(op, channels, stride, dims, affine)
            for op in ops
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.gate.choice is not None:
            k = self.gate.choice[self.edge]
            return self._zeros(x) if self.names[k] == "none" else self.ops[k](x)
        assert self.gate.weights is not None, "set the gate before calling the supernet"
        weights = self.gate.weights[self.edge]  # (ops,)
        active = None if self.gate.active is None else self.gate.active[self.edge]
        terms = [
            weights[k] * op(x)
            for k, op in enumerate(self.ops)
            if self.names[k] != "none" and (active is None or active[k])
        ]
        return sum(terms[1:], terms[0]) if terms else self._zeros(x)

    def _zeros(self, x: torch.Tensor) -> torch.Tensor:
        """The output of a switched-off edge: zeros, in the shape the edge's ops give (for a
        strided edge, the cheapest op's output times 0)."""
        if self.stride == 1:
            return torch.zeros_like(x)
        cheap = ("max_pool_3x3", "avg_pool_3x3", "skip_connect")
        k = min(
            (k for k, name in enumerate(self.names) if name != "none"),
            key=lambda k: cheap.index(self.names[k]) if self.names[k] in cheap else len(cheap),
        )
        zeros: torch.Tensor = self.ops[k](x) * 0.0
        return zeros
