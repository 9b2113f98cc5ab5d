"""The weight-sharing supernet of the DARTS cell space: every intermediate node of a cell
reads every earlier state through a mixed op, as in Liu et al. (2019).

Cell ``k`` preprocesses ``c_{k-2}`` and ``c_{k-1}`` like ``netsynth.nn.cell_net`` (batch
norms without affine parameters, as DARTS searches); node ``j`` sums mixed ops over its
``j + 2`` inputs; the output concatenates the nodes. All normal cells share
``alpha[0]`` and all reduction cells ``alpha[1]`` (each of shape (edges, ops)), so one
parameter named ``alpha`` holds the architecture and ``bilevel`` optimizes it unchanged.
Derivation: per node the two inputs whose strongest non-``none`` op is strongest, each with
that op. It offers the interface ``netsynth.oneshot.supernet`` describes.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeAlias

import torch
from torch import nn

from netsynth.nn.ops import FactorizedReduce, batch_norm, conv, relu_conv_bn
from netsynth.oneshot.mixed_op import Gate, MixedOp
from netsynth.oneshot.supernet import NB201Supernet
from netsynth.space.cell_genotype import STEM_MULTIPLIER, Cell, CellGenotype


def edge_count(nodes: int) -> int:
    return sum(j + 2 for j in range(nodes))


class SuperCell(nn.Module):
    def __init__(
        self,
        gate: Gate,
        ops: Sequence[str],
        nodes: int,
        channels: tuple[int, int, int],  # (c_{k-2}, c_{k-1}, C of this cell)
        reduction: bool,
        reduction_prev: bool,
        dims: int,
    ) -> None:
        super().__init__()
        c_pp, c_p, c = channels
        self.pre0 = (
            FactorizedReduce(c_pp, c, dims, False)
            if reduction_prev
            else relu_conv_bn(c_pp, c, 1, 1, dims, False)
        )
        self.pre1 = relu_conv_bn(c_p, c, 1, 1, dims, False)
        self.nodes = nodes
        self.edges = nn.ModuleList()
        for j in range(nodes):
            for i in range(j + 2):
                stride = 2 if reduction and i < 2 else 1
                self.edges.append(MixedOp(gate, len(self.edges), ops, c, dims, stride, False))

    def forward(self, s0: torch.Tensor, s1: torch.Tensor) -> torch.Tensor:
        states = [self.pre0(s0), self.pre1(s1)]
        k = 0
        for j in range(self.nodes):
            terms = [self.edges[k + i](states[i]) for i in range(j + 2)]
            k += j + 2
            states.append(sum(terms[1:], terms[0]))
        return torch.cat(states[2:], dim=1)


class DartsCellSupernet(nn.Module):
    """The supernet of ``skeleton``'s macro structure (its cells' ops are ignored).

    >>> from netsynth.space.cell_genotype import Cell, CellGenotype
    >>> cell = Cell(((("skip_connect", 0), ("skip_connect", 1)),) * 2)
    >>> net = DartsCellSupernet(("none", "skip_connect", "sep_conv_3x3"),
    ...                         CellGenotype(cell, cell, (1, 1), 4), (1, 16), 3)
    >>> net(torch.zeros(2, 1, 16)).shape
    torch.Size([2, 3])
    >>> g = net.derive(net.probabilities())
    >>> net.derive(net.one_hot(g)) == g, len(net.edge_names)
    (True, 10)
    """

    def __init__(
        self,
        ops: Sequence[str],
        skeleton: CellGenotype,
        input_shape: Sequence[int],
        num_classes: int,
    ) -> None:
        super().__init__()
        self.op_names = tuple(ops)
        self.skeleton = skeleton
        self.n_nodes = len(skeleton.normal.nodes)
        self.gates = {"normal": Gate(), "reduce": Gate()}
        dims = len(input_shape) - 1
        c = skeleton.init_channels
        stem_c = STEM_MULTIPLIER * c
        self.stem = nn.Sequential(
            conv(dims)(input_shape[0], stem_c, 3, padding=1, bias=False), batch_norm(stem_c, dims)
        )
        stage_c = skeleton.stage_channels(c)
        cells: list[nn.Module] = []
        c_pp = c_p = stem_c
        reduction_prev = False
        for kind, stage in skeleton.sequence():
            channels = (c_pp, c_p, stage_c[stage])
            cells.append(
                SuperCell(
                    self.gates[kind],
                    ops,
                    self.n_nodes,
                    channels,
                    kind == "reduce",
                    reduction_prev,
                    dims,
                )
            )
            c_pp, c_p = c_p, self.n_nodes * stage_c[stage]
            reduction_prev = kind == "reduce"
        self.cells = nn.ModuleList(cells)
        pool = nn.AdaptiveAvgPool1d(1) if dims == 1 else nn.AdaptiveAvgPool2d(1)
        self.head = nn.Sequential(pool, nn.Flatten(), nn.Linear(c_p, num_classes))
        self.alpha = nn.Parameter(1e-3 * torch.randn(2, edge_count(self.n_nodes), len(ops)))
        self.edge_names = tuple(
            f"{kind} n{j}<-{i}"
            for kind in ("normal", "reduce")
            for j, i in _node_inputs(self.n_nodes)
        )

    @property
    def node_rows(self) -> list[list[int]]:
        """The rows of ``alpha.reshape(-1, ops)`` that feed each node, for both cells."""
        edges = edge_count(self.n_nodes)
        pairs = _node_inputs(self.n_nodes)
        return [
            [c * edges + k for k, (j, _) in enumerate(pairs) if j == node]
            for c in range(2)
            for node in range(self.n_nodes)
        ]

    def weights(self) -> list[nn.Parameter]:
        """The network weights w (everything but alpha)."""
        return [p for name, p in self.named_parameters() if name != "alpha"]

    def probabilities(self) -> torch.Tensor:
        probabilities: torch.Tensor = torch.softmax(self.alpha, dim=-1)  # (2, edges, ops)
        return probabilities

    def forward(
        self, x: torch.Tensor, *, mix: torch.Tensor | None = None, skip_zeros: bool = False
    ) -> torch.Tensor:
        p = self.probabilities() if mix is None else mix
        self.gates["normal"].mix(p[0], skip_zeros)
        self.gates["reduce"].mix(p[1], skip_zeros)
        s0 = s1 = self.stem(x)
        for cell in self.cells:
            s0, s1 = s1, cell(s0, s1)
        logits: torch.Tensor = self.head(s1)
        return logits

    def derive(self, probabilities: torch.Tensor) -> CellGenotype:
        p = probabilities.detach()
        cells = [derive_cell(p[k], self.op_names, self.n_nodes) for k in range(2)]
        return CellGenotype(
            cells[0],
            cells[1],
            self.skeleton.cells_per_stage,
            self.skeleton.init_channels,
            self.skeleton.channel_growth,
        )

    def one_hot(self, genotype: CellGenotype) -> torch.Tensor:
        """1 for each edge's op where the cell has the edge; rows of absent edges are 0."""
        weights = torch.zeros_like(self.alpha, requires_grad=False)
        rows = {pair: k for k, pair in enumerate(_node_inputs(self.n_nodes))}
        for c, cell in enumerate((genotype.normal, genotype.reduce)):
            for j, node in enumerate(cell.nodes):
                for op, source in node:
                    weights[c, rows[(j, source)], self.op_names.index(op)] = 1.0
        return weights.detach()


def _node_inputs(nodes: int) -> list[tuple[int, int]]:
    """(node, input) of every edge, in the order of alpha's rows."""
    return [(j, i) for j in range(nodes) for i in range(j + 2)]


def derive_cell(probabilities: torch.Tensor, ops: Sequence[str], nodes: int) -> Cell:
    """DARTS's rule: per node the top-2 inputs by their strongest non-``none`` op."""
    usable = [k for k, op in enumerate(ops) if op != "none"]
    derived = []
    k = 0
    for j in range(nodes):
        rows = probabilities[k : k + j + 2][:, usable]  # (inputs, usable ops)
        k += j + 2
        strength, best = rows.max(dim=1)
        top = sorted(strength.argsort(descending=True)[:2].tolist())
        derived.append(tuple((ops[usable[int(best[i])]], int(i)) for i in top))
    return Cell(tuple(derived))  # type: ignore[arg-type]


# Either supernet: the interface ``netsynth.oneshot.supernet`` describes.
Supernet: TypeAlias = NB201Supernet | DartsCellSupernet
