"""Many NAS-Bench-201 networks on 1-D inputs, trained at once as one module.

Each of the ``K`` networks has its own cell and its own weights; the skeleton is that of
``netsynth.nn.nb201_net`` (stem, three stages of cells with two residual reductions, head). A
tabular benchmark trains thousands of tiny networks, and on a CPU one tiny network per step is
all Python overhead; here one step trains ``K`` of them: activations are laid out as
``(B, K * C, L)``, every conv is one grouped conv over the networks that use it on that edge
(gathered by index, so nobody pays for ops it does not have), and batch norm keeps running
statistics per network. The loss is the sum of the networks' losses, so each network's
gradient is exactly its own: training them together is training each alone on the same
mini-batches.

>>> import torch
>>> net = BatchedNB201([("conv_3x3",) * 6, ("skip_connect",) + ("none",) * 5], 4, 10)
>>> net(torch.zeros(3, 1, 40)).shape  # (batch, networks, classes)
torch.Size([3, 2, 10])
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from netsynth.space.nb201_genotype import EDGES, NODES, OPS

_CONV_KERNELS = {"conv_1x1": 1, "conv_3x3": 3}


def _conv_weight(k: int, c_out: int, c_in: int, kernel: int) -> nn.Parameter:
    """``k`` conv weights stacked as ``(k * c_out, c_in, kernel)``, PyTorch's default init."""
    bound = 1.0 / math.sqrt(c_in * kernel)  # kaiming_uniform(a=sqrt(5)), as nn.Conv1d
    return nn.Parameter(torch.empty(k * c_out, c_in, kernel).uniform_(-bound, bound))


class BatchedNorm(nn.Module):
    """Batch norm over ``K * C`` channels: per network and channel, applied to a subset."""

    running_mean: torch.Tensor
    running_var: torch.Tensor

    def __init__(self, k: int, channels: int) -> None:
        super().__init__()
        self.channels = channels
        self.weight = nn.Parameter(torch.ones(k * channels))
        self.bias = nn.Parameter(torch.zeros(k * channels))
        self.register_buffer("running_mean", torch.zeros(k * channels))
        self.register_buffer("running_var", torch.ones(k * channels))

    def forward(self, x: torch.Tensor, rows: torch.Tensor | None = None) -> torch.Tensor:
        """Normalize ``x`` of ``(B, n * C, L)``, the channels of networks ``rows`` (all if None)."""
        if rows is None:
            return F.batch_norm(
                x, self.running_mean, self.running_var, self.weight, self.bias, self.training
            )
        mean = self.running_mean[rows]
        var = self.running_var[rows]
        out = F.batch_norm(x, mean, var, self.weight[rows], self.bias[rows], self.training)
        if self.training:  # F.batch_norm updated the gathered copies; write them back
            with torch.no_grad():
                self.running_mean[rows] = mean
                self.running_var[rows] = var
        return out


class BatchedConvBN(nn.Module):
    """ReLU-conv-BN (NAS-Bench-201's conv op) for each of ``K`` networks, run on a subset."""

    def __init__(self, k: int, c_in: int, c_out: int, kernel: int, stride: int = 1) -> None:
        super().__init__()
        self.c_in, self.c_out, self.kernel, self.stride = c_in, c_out, kernel, stride
        self.weight = _conv_weight(k, c_out, c_in, kernel)
        self.norm = BatchedNorm(k, c_out)

    def forward(self, x: torch.Tensor, nets: torch.Tensor | None = None) -> torch.Tensor:
        """``x`` is ``(B, n * c_in, L)`` for networks ``nets`` (all ``K`` if None)."""
        n = self.weight.shape[0] // self.c_out if nets is None else len(nets)
        weight: torch.Tensor = self.weight
        rows = None
        if nets is not None:
            weight = self.weight.view(-1, self.c_out, self.c_in, self.kernel)[nets]
            weight = weight.reshape(n * self.c_out, self.c_in, self.kernel)
            channels = torch.arange(self.c_out, device=nets.device)
            rows = (nets[:, None] * self.c_out + channels).reshape(-1)
        y = F.conv1d(F.relu(x), weight, None, self.stride, self.kernel // 2, 1, n)
        return self.norm(y, rows)


class BatchedCell(nn.Module):
    """One NB201 cell per network; edge ``e`` of network ``k`` runs ``cells[k][e]``.

    Per edge, the networks are grouped by their op there; each group's inputs are gathered,
    transformed and added into the target node, so an op costs only for the networks that have
    it on that edge (``none`` costs nothing)."""

    def __init__(self, cells: Sequence[Sequence[str]], channels: int) -> None:
        super().__init__()
        k = len(cells)
        self.channels = channels
        self.convs = nn.ModuleDict()
        # Per edge: the networks with a non-none op there, grouped by op (one gather each
        # way per edge), and each op's slice of that order with its networks.
        self._order: list[torch.Tensor] = []
        self._slices: list[list[tuple[str, int, int, torch.Tensor]]] = []
        for e in range(len(EDGES)):
            order: list[int] = []
            slices = []
            for op in OPS:
                nets = [n for n, cell in enumerate(cells) if cell[e] == op]
                if not nets or op == "none":
                    continue
                slices.append((op, len(order), len(order) + len(nets), torch.tensor(nets)))
                order += nets
                if op in _CONV_KERNELS:
                    self.convs[f"{e}_{op}"] = BatchedConvBN(k, channels, channels, op_kernel(op))
            self._order.append(torch.tensor(order, dtype=torch.long))
            self._slices.append(slices)

    def _apply(self, fn: Any, recurse: bool = True) -> BatchedCell:  # keep indices on device
        super()._apply(fn, recurse)
        device = fn(torch.zeros(1)).device
        self._order = [order.to(device) for order in self._order]
        self._slices = [[(op, a, b, n.to(device)) for op, a, b, n in s] for s in self._slices]
        return self

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        batch, _, length = x.shape
        c = self.channels
        nodes = [x.view(batch, -1, c, length)]  # (B, K, C, L)
        for j in range(1, NODES):
            node = torch.zeros_like(nodes[0])
            for e, (i, target) in enumerate(EDGES):
                if target != j or not self._slices[e]:
                    continue
                picked = nodes[i].index_select(1, self._order[e])  # (B, n, C, L), op-grouped
                outs = []
                for op, start, stop, nets in self._slices[e]:
                    part = picked[:, start:stop].reshape(batch, -1, length)
                    if op == "avg_pool_3x3":
                        part = average_pool_3(part)
                    elif op in _CONV_KERNELS:
                        part = self.convs[f"{e}_{op}"](part, nets)
                    outs.append(part.view(batch, -1, c, length))  # skip_connect: as is
                out = outs[0] if len(outs) == 1 else torch.cat(outs, dim=1)
                node.index_add_(1, self._order[e], out)
            nodes.append(node)
        return nodes[-1].view(batch, -1, length)


def op_kernel(op: str) -> int:
    return _CONV_KERNELS[op]


def average_pool_3(x: torch.Tensor) -> torch.Tensor:
    """3-wide average pooling of ``(B, C, L)``, padding not counted (the NB201 op), as a
    depthwise conv: several times faster on CPU than ``avg_pool1d(count_include_pad=False)``."""
    channels, length = x.shape[1], x.shape[2]
    kernel = x.new_full((channels, 1, 3), 1.0)
    summed = F.conv1d(x, kernel, None, 1, 1, 1, channels)
    count = x.new_full((length,), 3.0)
    count[0] -= 1
    count[-1] -= 1
    return summed / count


class BatchedReduction(nn.Module):
    """NB201's residual reduction (c -> 2c, length / 2) for all ``K`` networks."""

    def __init__(self, k: int, c_in: int, c_out: int) -> None:
        super().__init__()
        self.k = k
        self.conv_a = BatchedConvBN(k, c_in, c_out, 3, stride=2)
        self.conv_b = BatchedConvBN(k, c_out, c_out, 3)
        self.shortcut = _conv_weight(k, c_out, c_in, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        pooled = F.avg_pool1d(x, 2, 2, ceil_mode=True)
        return F.conv1d(pooled, self.shortcut, groups=self.k) + self.conv_b(self.conv_a(x))


class BatchedNB201(nn.Module):
    """``len(cells)`` NB201 networks (one cell per stage, ``init_channels`` wide) on ``(C, L)``
    inputs, each cell a sequence of six ops of ``OPS``; ``forward`` gives ``(B, K, classes)``."""

    def __init__(
        self,
        cells: Sequence[Sequence[str]],
        init_channels: int,
        num_classes: int,
        *,
        in_channels: int = 1,
        cells_per_stage: int = 1,
    ) -> None:
        super().__init__()
        for cell in cells:
            if len(cell) != len(EDGES) or any(op not in OPS for op in cell):
                raise ValueError(f"a cell is {len(EDGES)} ops of {OPS}; got {cell!r}")
        k, c = len(cells), init_channels
        self.k, self.num_classes = k, num_classes
        self.stem = _conv_weight(k, c, in_channels, 3)
        self.stem_norm = BatchedNorm(k, c)

        def stage(channels: int) -> list[nn.Module]:
            return [BatchedCell(cells, channels) for _ in range(cells_per_stage)]

        self.body = nn.Sequential(
            *stage(c),
            BatchedReduction(k, c, 2 * c),
            *stage(2 * c),
            BatchedReduction(k, 2 * c, 4 * c),
            *stage(4 * c),
        )
        self.head_norm = BatchedNorm(k, 4 * c)
        bound = 1.0 / math.sqrt(4 * c)
        self.classifier = nn.Parameter(torch.empty(k, 4 * c, num_classes).uniform_(-bound, bound))
        self.classifier_bias = nn.Parameter(torch.empty(k, num_classes).uniform_(-bound, bound))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x.repeat(1, self.k, 1)  # every network sees the same batch
        x = self.stem_norm(F.conv1d(x, self.stem, padding=1, groups=self.k))
        x = F.relu(self.head_norm(self.body(x)))
        features = x.mean(dim=2).view(x.shape[0], self.k, -1)  # (B, K, 4c)
        return torch.einsum("bkc,kcn->bkn", features, self.classifier) + self.classifier_bias
