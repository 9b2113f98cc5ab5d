"""The weight-sharing supernet of the NB201-style cell: a mixed op on every edge.

The skeleton is ``build_nb201``'s (stem, three stages of cells, residual reductions, head),
so the supernet and every network derived from it have the same shape; all cells share one
set of architecture weights ``alpha`` of shape (6 edges, ops), as in NAS-Bench-201's DARTS.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from netsynth.nn.nb201_net import build_nb201
from netsynth.oneshot.mixed_op import Gate, MixedOp
from netsynth.space.nb201_genotype import EDGES, NB201Genotype

EDGE_NAMES = tuple(f"{i}->{j}" for i, j in EDGES)


class NB201Supernet(nn.Module):
    """``forward(x)`` mixes every op by softmax(alpha); ``forward(x, choice)`` runs one op per
    edge (a child architecture sharing the supernet's weights).

    >>> net = NB201Supernet(("none", "skip_connect", "conv_3x3"), (1, 40), 10, 4, 1)
    >>> net(torch.zeros(2, 1, 40)).shape, net(torch.zeros(2, 1, 40), [2] * 6).shape
    (torch.Size([2, 10]), torch.Size([2, 10]))
    """

    def __init__(
        self,
        ops: Sequence[str],
        input_shape: Sequence[int],
        num_classes: int,
        init_channels: int,
        cells_per_stage: int,
    ) -> None:
        super().__init__()
        self.op_names = tuple(ops)
        self.gate = Gate()
        skeleton = NB201Genotype(("none",) * len(EDGES), init_channels, cells_per_stage)
        self.net = build_nb201(
            skeleton,
            input_shape,
            num_classes,
            op_factory=lambda edge, c, stride, dims: MixedOp(
                self.gate, edge, self.op_names, c, dims
            ),
        )
        self.alpha = nn.Parameter(1e-3 * torch.randn(len(EDGES), len(ops)))

    def weights(self) -> list[nn.Parameter]:
        """The network weights w (everything but alpha)."""
        return [p for name, p in self.named_parameters() if name != "alpha"]

    def probabilities(self) -> torch.Tensor:
        probabilities: torch.Tensor = torch.softmax(self.alpha, dim=-1)  # (edges, ops)
        return probabilities

    def forward(self, x: torch.Tensor, choice: Sequence[int] | None = None) -> torch.Tensor:
        if choice is None:
            self.gate.mix(self.probabilities())
        else:
            self.gate.pick(choice)
        logits: torch.Tensor = self.net(x)
        return logits
