"""The weight-sharing supernet of the NB201-style cell: a mixed op on every edge.

The skeleton is ``build_nb201``'s (stem, three stages of cells, residual reductions, head),
so the supernet and every network derived from it have the same shape; all cells share one
set of architecture weights ``alpha`` of shape (6 edges, ops), as in NAS-Bench-201's DARTS.

Every supernet of ``netsynth.oneshot`` offers the same few things, so that the search, the
remedies and the reports do not care which space they search: ``alpha``; ``weights()`` (the
network weights w); ``probabilities()`` (softmax(alpha)); ``forward(x, mix=...)`` with any op
weights of alpha's shape in place of softmax(alpha) (``skip_zeros=True``: ops weighted exactly 0
are not computed); ``derive(p)`` (the discrete genotype of op
weights ``p``); ``one_hot(genotype)`` (the op weights of a discrete genotype, so that
``forward(x, mix=one_hot(g))`` is ``g`` under the shared weights); and ``edge_names`` (one per
row of ``p.reshape(-1, ops)``).
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from netsynth.estimation.train_loop import TensorSplit
from netsynth.nn.nb201_net import build_nb201
from netsynth.oneshot import fast_path
from netsynth.oneshot.mixed_op import Gate, MixedOp
from netsynth.space.nb201_genotype import EDGES, NB201Genotype

EDGE_NAMES = tuple(f"{i}->{j}" for i, j in EDGES)


@torch.no_grad()
def mixed_accuracy(
    supernet: nn.Module,
    split: TensorSplit,
    mix: torch.Tensor | None,
    *,
    skip_zeros: bool = False,
    batch_size: int = 512,
) -> float:
    """Accuracy on ``split`` of any supernet of this package under op weights ``mix`` (None:
    softmax(alpha)), in the mode the supernet is in."""
    correct = 0
    for start in range(0, len(split.y), batch_size):
        x, y = split.x[start : start + batch_size], split.y[start : start + batch_size]
        with fast_path.autocast(x.device):
            logits = supernet(x, mix=mix, skip_zeros=skip_zeros)
        correct += int((logits.argmax(dim=1) == y).sum())
    return correct / len(split.y)


class NB201Supernet(nn.Module):
    """``forward(x)`` mixes every op by softmax(alpha); ``forward(x, choice)`` runs one op per
    edge (a child architecture sharing the supernet's weights, computing only its ops).

    >>> net = NB201Supernet(("none", "skip_connect", "conv_3x3"), (1, 40), 10, 4, 1)
    >>> net(torch.zeros(2, 1, 40)).shape, net(torch.zeros(2, 1, 40), [2] * 6).shape
    (torch.Size([2, 10]), torch.Size([2, 10]))
    >>> g = net.derive(torch.tensor([[0.1, 0.2, 0.7]] * 6))
    >>> g.ops[0], net.derive(net.one_hot(g)) == g
    ('conv_3x3', True)
    """

    edge_names = EDGE_NAMES
    node_rows: list[list[int]] = []  # every edge is kept: no inputs to choose

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
        self.skeleton = (init_channels, cells_per_stage)
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

    def derive(self, probabilities: torch.Tensor) -> NB201Genotype:
        """argmax per edge, as NAS-Bench-201 derives DARTS's cell (``none`` included)."""
        chosen = probabilities.argmax(dim=-1).tolist()
        return NB201Genotype(tuple(self.op_names[k] for k in chosen), *self.skeleton)

    def one_hot(self, genotype: NB201Genotype) -> torch.Tensor:
        weights = torch.zeros_like(self.alpha, requires_grad=False)
        for edge, op in enumerate(genotype.ops):
            weights[edge, self.op_names.index(op)] = 1.0
        return weights.detach()

    def forward(
        self,
        x: torch.Tensor,
        choice: Sequence[int] | None = None,
        *,
        mix: torch.Tensor | None = None,
        skip_zeros: bool = False,
    ) -> torch.Tensor:
        if choice is not None:
            self.gate.pick(choice)
        else:
            self.gate.mix(self.probabilities() if mix is None else mix, skip_zeros)
        logits: torch.Tensor = self.net(x)
        return logits
