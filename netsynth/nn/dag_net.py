"""The network of a DAG genotype.

input (N, C, *S) ─► stem: conv 3 + batch norm + ReLU ─► node 0
node i: its inputs ─► average-pool each down to the smallest size among them ─► merge
        (sum: 1x1 conv, no bias, on inputs narrower than the widest; concat: stack channels)
        ─► op (conv / sepconv / pool / identity)
last node ─► global pooling ─► linear ─► logits

Only live nodes are built, from the canonical form, so equivalent genotypes give the same
module (and the same weights for the same seed).
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from netsynth.nn.classifier_net import global_pool
from netsynth.nn.layers import scaled, spatial_layer
from netsynth.nn.ops import batch_norm, conv
from netsynth.space.chain_genotype import Layer
from netsynth.space.dag_genotype import CONV_OPS, POOL_OPS, DagGenotype, DagNode, pooled_size
from netsynth.space.genotype import GenotypeError


class DagCell(nn.Module):
    """One node: resize its inputs, merge them, apply its op."""

    def __init__(
        self, inputs: tuple[int, ...], merge: str, adapters: list[nn.Module], op: nn.Module
    ) -> None:
        super().__init__()
        self.inputs = inputs
        self.merge = merge
        self.adapters = nn.ModuleList(adapters)  # per input: halvings, then a projection
        self.op = op

    def forward(self, outputs: list[torch.Tensor]) -> torch.Tensor:
        xs = [adapt(outputs[j]) for adapt, j in zip(self.adapters, self.inputs, strict=True)]
        if self.merge == "concat":
            return self.op(torch.cat(xs, dim=1))
        merged = xs[0]
        for x in xs[1:]:
            merged = merged + x
        return self.op(merged)


class DagNet(nn.Module):
    def __init__(
        self, stem: nn.Module, cells: list[DagCell], pool: nn.Module, classifier: nn.Module
    ) -> None:
        super().__init__()
        self.stem = stem
        self.cells = nn.ModuleList(cells)
        self.pool = pool
        self.classifier = classifier

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        outputs = [self.stem(x)]  # outputs[i]: node i, shape (N, C_i, *S_i)
        for cell in self.cells:
            outputs.append(cell(outputs))
        return self.classifier(self.pool(outputs[-1]))


def build_dag(
    genotype: DagGenotype,
    input_shape: Sequence[int],
    num_classes: int,
    *,
    width_multiplier: float = 1.0,
) -> DagNet:
    """A ``DagNet`` for sequences ``(C, L)`` or images ``(C, H, W)``.

    Raises ``GenotypeError`` for tabular inputs and for a pool that would meet a map less
    than 2 wide; ``DagSpace.repair`` turns such pools into identities beforehand.

    >>> g = DagGenotype((DagNode("conv", (0,), width=8, kernel=3), DagNode("maxpool", (0, 1))))
    >>> build_dag(g, (1, 40), 10)(torch.zeros(2, 1, 40)).shape
    torch.Size([2, 10])
    """
    if not isinstance(genotype, DagGenotype):
        raise GenotypeError(f"build_dag takes dag genotypes, got {type(genotype).__name__}")
    if len(input_shape) not in (2, 3):
        raise GenotypeError(
            "the dag space needs sequences (C, L) or images (C, H, W); "
            f"got input_shape {tuple(input_shape)}"
        )
    if num_classes < 2:
        raise GenotypeError(f"num_classes must be >= 2, got {num_classes}")
    check_pools(genotype, input_shape)
    dims = len(input_shape) - 1
    g = genotype.canonical()
    depths = g.pool_depths()
    stem_width = scaled(g.stem_width, width_multiplier)
    stem = nn.Sequential(
        conv(dims)(input_shape[0], stem_width, 3, padding="same", bias=False),
        batch_norm(stem_width, dims),
        nn.ReLU(),
    )
    channels = [stem_width]
    cells = []
    for node in g.nodes:
        cell, out = _cell(node, channels, depths, dims, width_multiplier)
        cells.append(cell)
        channels.append(out)
    pool = global_pool(dims, g.global_pool)
    return DagNet(stem, cells, pool, nn.Linear(channels[-1], num_classes))


def _cell(
    node: DagNode,
    channels: list[int],
    depths: list[int],
    dims: int,
    width_multiplier: float,
) -> tuple[DagCell, int]:
    """The module of ``node`` and its output channels, given each earlier node's channels
    and pool depth."""
    widths = [channels[j] for j in node.inputs]
    merged_depth = max(depths[j] for j in node.inputs)
    merged = sum(widths) if node.merge == "concat" else max(widths)
    adapters: list[nn.Module] = []
    for j, width in zip(node.inputs, widths, strict=True):
        # Average pooling with the pools' own window, stride and rounding lands exactly on the
        # deeper map's size (and exports to ONNX, unlike adaptive pooling to odd sizes).
        halve = nn.AvgPool1d if dims == 1 else nn.AvgPool2d
        steps: list[nn.Module] = [
            halve(2, stride=2, ceil_mode=True) for _ in range(merged_depth - depths[j])
        ]
        if node.merge == "sum" and width != merged:
            steps.append(conv(dims)(width, merged, 1, bias=False))
        adapters.append(nn.Sequential(*steps))
    if node.op == "identity":
        op: nn.Module = nn.Identity()
        out = merged
    else:
        layer = Layer(
            node.op,
            node.width,
            2 if node.op in POOL_OPS else node.kernel,
            node.activation,
            node.norm,
        )
        op = spatial_layer(layer, merged, dims, width_multiplier)
        out = scaled(node.width, width_multiplier) if node.op in CONV_OPS else merged
    return DagCell(node.inputs, node.merge, adapters, op), out


def check_pools(genotype: DagGenotype, input_shape: Sequence[int]) -> None:
    """Raise ``GenotypeError`` if a live pool would meet a map less than 2 wide."""
    live = genotype.live()
    depths = genotype.pool_depths()
    for i, node in enumerate(genotype.nodes, start=1):
        if node.op not in POOL_OPS or i not in live:
            continue
        size = pooled_size(input_shape[1:], depths[i] - 1)
        if min(size) < 2:
            raise GenotypeError(
                f"node {i} ({node.op}) would pool a map of size {size}; repair the genotype "
                f"for input_shape {tuple(input_shape)} first"
            )
