"""The network of an NAS-Bench-201 genotype (Dong & Yang, 2020), for 1-D and 2-D inputs.

input (N, C, *S) ─► stem: conv3 + BN                          (N, c, *S)
  ─► cells_per_stage cells ─► reduction block (c -> 2c, /2)   (N, 2c, *S/2)
  ─► cells_per_stage cells ─► reduction block (2c -> 4c, /2)  (N, 4c, *S/4)
  ─► cells_per_stage cells ─► BN-ReLU ─► global average pool ─► linear ─► logits

where ``c = init_channels`` (scaled by the width multiplier) and ``/2`` rounds up. Every cell
has the genotype's ops but its own weights. ``op_factory`` chooses the module on each edge, so
that a weight-sharing supernet (mixed ops on every edge) can reuse this skeleton.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import torch
from torch import nn

from netsynth.nn.layers import scaled
from netsynth.nn.ops import batch_norm, conv, make_op, relu_conv_bn
from netsynth.space.genotype import GenotypeError
from netsynth.space.nb201_genotype import EDGES, NODES, NB201Genotype, check_input_shape

# (edge_index, channels, stride, dims) -> the edge's module, or None for an absent edge.
EdgeFactory = Callable[[int, int, int, int], nn.Module | None]


class NB201Cell(nn.Module):
    """Node ``j`` = sum over ``i < j`` of ``edge_ij(node i)``; the output is node 3."""

    def __init__(self, edges: Sequence[nn.Module | None]) -> None:
        super().__init__()
        # Absent edges get no module at all; keys say which edge each module is.
        self.edges = nn.ModuleDict(
            {
                f"{i}_{j}": edge
                for (i, j), edge in zip(EDGES, edges, strict=True)
                if edge is not None
            }
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        nodes = [x]
        for j in range(1, NODES):
            terms = [self.edges[f"{i}_{j}"](nodes[i]) for i in range(j) if f"{i}_{j}" in self.edges]
            # A node without inputs is zero; every op keeps the shape of x (stride 1).
            nodes.append(sum(terms[1:], terms[0]) if terms else torch.zeros_like(x))
        return nodes[-1]


class ResidualReduction(nn.Module):
    """NAS-Bench-201's reduction: ReLU-conv3/2-BN, ReLU-conv3-BN, plus avg-pool/2 + conv1."""

    def __init__(self, c_in: int, c_out: int, dims: int) -> None:
        super().__init__()
        self.conv_a = relu_conv_bn(c_in, c_out, 3, 2, dims)
        self.conv_b = relu_conv_bn(c_out, c_out, 3, 1, dims)
        pool = nn.AvgPool1d if dims == 1 else nn.AvgPool2d
        # ceil_mode: odd sizes round up, like the stride-2 conv (size n -> ceil(n / 2)).
        self.shortcut = nn.Sequential(
            pool(2, stride=2, ceil_mode=True), conv(dims)(c_in, c_out, 1, bias=False)
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.shortcut(x) + self.conv_b(self.conv_a(x))


class NB201Net(nn.Module):
    def __init__(self, stem: nn.Module, body: nn.Module, head: nn.Module) -> None:
        super().__init__()
        self.stem = stem
        self.body = body
        self.head = head

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.body(self.stem(x)))


def build_nb201(
    genotype: NB201Genotype,
    input_shape: Sequence[int],
    num_classes: int,
    *,
    width_multiplier: float = 1.0,
    op_factory: EdgeFactory | None = None,
) -> NB201Net:
    """An ``NB201Net`` for inputs of ``input_shape`` (``(C, L)`` or ``(C, H, W)``).

    ``op_factory(edge_index, channels, stride, dims)`` gives each edge's module, or None to
    leave the edge out; by default ``make_op`` of the genotype's op, and nothing for ``none``.
    Raises ``GenotypeError`` for inputs the skeleton cannot take (tables, tiny maps).

    >>> g = NB201Genotype(("conv_3x3",) * 6, init_channels=4, cells_per_stage=1)
    >>> build_nb201(g, (1, 40), 10)(torch.zeros(2, 1, 40)).shape
    torch.Size([2, 10])
    """
    check_input_shape(input_shape)
    if num_classes < 2:
        raise GenotypeError(f"num_classes must be >= 2, got {num_classes}")
    dims = len(input_shape) - 1

    def default_factory(edge: int, channels: int, stride: int, dims: int) -> nn.Module | None:
        op = genotype.ops[edge]
        return None if op == "none" else make_op(op, channels, stride, dims)

    factory = op_factory or default_factory

    def cells(channels: int) -> list[nn.Module]:
        return [
            NB201Cell([factory(k, channels, 1, dims) for k in range(len(EDGES))])
            for _ in range(genotype.cells_per_stage)
        ]

    c = scaled(genotype.init_channels, width_multiplier)
    stem = nn.Sequential(
        conv(dims)(input_shape[0], c, 3, padding=1, bias=False), batch_norm(c, dims)
    )
    body = [
        *cells(c),
        ResidualReduction(c, 2 * c, dims),
        *cells(2 * c),
        ResidualReduction(2 * c, 4 * c, dims),
        *cells(4 * c),
    ]
    head = nn.Sequential(
        batch_norm(4 * c, dims),
        nn.ReLU(),
        nn.AdaptiveAvgPool1d(1) if dims == 1 else nn.AdaptiveAvgPool2d(1),
        nn.Flatten(),
        nn.Linear(4 * c, num_classes),
    )
    return NB201Net(stem, nn.Sequential(*body), head)
