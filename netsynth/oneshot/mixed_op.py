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
        # per edge and op: whether the op runs; None: all do
        self.active: list[list[bool]] | None = None

    def mix(self, weights: torch.Tensor, skip_zeros: bool = False) -> None:
        """Weigh every op by ``weights``. With ``skip_zeros``, ops weighted exactly 0 (a
        discretized edge, an op DARTS-PT removes to score it) are not computed: they add 0
        and get no gradient. Opt-in, for fixed op weights: reading the weights costs a device
        sync, which the search's training steps must not pay."""
        self.weights, self.choice = weights, None
        self.active = (weights != 0).tolist() if skip_zeros else None

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
        """The output of a switched-off edge: zeros in the shape the edge's ops give (a
        strided op maps each spatial length L to ceil(L / stride), channels unchanged)."""
        if self.stride == 1:
            return torch.zeros_like(x)
        spatial = (slice(None, None, self.stride),) * (x.dim() - 2)
        return torch.zeros_like(x[(slice(None), slice(None), *spatial)])
