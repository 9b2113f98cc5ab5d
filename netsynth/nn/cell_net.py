"""The network of a cell genotype: DARTS' skeleton, for sequences ``(C, L)`` and images
``(C, H, W)``.

input (N, C_in, *S) ─► stem: conv 3, C_in -> 3·C, BN (as DARTS' stem_multiplier = 3)
    ─► stage 0: cells_per_stage[0] normal cells, C channels per node, output B·C
    ─► reduction cell: C·g per node, spatial size halved (rounding up) ─► stage 1 ─► ...
    ─► global average pool ─► linear ─► logits

Cell ``k`` reads ``c_{k-2}`` and ``c_{k-1}`` (the stem's output stands in for both at the
start), brings both to the cell's ``C`` channels — ``c_{k-2}`` through a FactorizedReduce when
cell ``k-1`` was a reduction (it is twice as large), else ReLU-conv1x1-BN; ``c_{k-1}`` through
ReLU-conv1x1-BN — and concatenates its ``B`` intermediate nodes.

``none`` edges add zeros, so they get no module; a cell input that only ``none`` edges read
gets no preprocessing; a cell whose output no later cell reads (see ``CellGenotype.live``) is
not built. Equivalent genotypes (see ``canonical_cell``) build networks of equal size, and
every parameter of a network gets a gradient.

>>> from netsynth.space.cell_genotype import Cell, CellGenotype
>>> cell = Cell(((("sep_conv_3x3", 0), ("skip_connect", 1)), (("max_pool_3x3", 2), ("none", 0))))
>>> net = build_cell_net(CellGenotype(cell, cell, (1, 1), 8), (3, 16, 16), 10)
>>> net(torch.zeros(2, 3, 16, 16)).shape
torch.Size([2, 10])
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import torch
from torch import nn

from netsynth.nn.layers import scaled
from netsynth.nn.ops import FactorizedReduce, batch_norm, conv, make_op, relu_conv_bn
from netsynth.space.cell_genotype import STEM_MULTIPLIER, Cell, CellGenotype
from netsynth.space.genotype import Genotype, GenotypeError

OpFactory = Callable[[str, int, int, int, int, int], nn.Module]
"""``(cell kind, node, slot, channels, stride, dims) -> module`` for the edge ``slot`` (0 or 1)
of intermediate node ``node`` in the ``"normal"`` or ``"reduce"`` cell; a weight-sharing
supernet passes one that builds a mixed op on every edge."""


class CellModule(nn.Module):
    """One cell: ``(c_{k-2}, c_{k-1}) -> B·C`` channels, the size halved in a reduction cell."""

    def __init__(
        self,
        cell: Cell,
        kind: str,
        channels: tuple[int, int, int],  # (c_{k-2}, c_{k-1}, C of this cell)
        reduction_prev: bool,
        dims: int,
        op_factory: OpFactory,
        affine: bool,
    ) -> None:
        super().__init__()
        c_pp, c_p, c = channels
        self.channels = c
        self.reduction = kind == "reduce"
        read = cell.reads()  # inputs read by an op other than none
        self.pre0: nn.Module | None = None
        self.pre1: nn.Module | None = None
        if 0 in read:
            self.pre0 = (
                FactorizedReduce(c_pp, c, dims, affine)
                if reduction_prev
                else relu_conv_bn(c_pp, c, 1, 1, dims, affine)
            )
        if 1 in read:
            self.pre1 = relu_conv_bn(c_p, c, 1, 1, dims, affine)
        self.edges = nn.ModuleDict()
        self.wiring: list[list[tuple[str, int]]] = []  # per node: (edge key, input) summed
        for j, node in enumerate(cell.nodes):
            wired = []
            for slot, (op, source) in enumerate(node):
                if op == "none":
                    continue
                stride = 2 if self.reduction and source < 2 else 1
                key = f"n{j}_{slot}"
                self.edges[key] = op_factory(kind, j, slot, c, stride, dims)
                wired.append((key, source))
            self.wiring.append(wired)

    def forward(self, s0: torch.Tensor, s1: torch.Tensor) -> torch.Tensor:
        # An input without preprocessing is read by no edge; s1 only holds its place.
        states = [
            self.pre0(s0) if self.pre0 is not None else s1,
            self.pre1(s1) if self.pre1 is not None else s1,
        ]
        size = [(n + 1) // 2 if self.reduction else n for n in s1.shape[2:]]
        for wired in self.wiring:
            if not wired:  # two none edges: zeros in the concatenation
                states.append(s1.new_zeros(s1.shape[0], self.channels, *size))
                continue
            total = self.edges[wired[0][0]](states[wired[0][1]])
            for key, source in wired[1:]:
                total = total + self.edges[key](states[source])
            states.append(total)
        return torch.cat(states[2:], dim=1)  # (N, B·C, *size)


class DeadCell(nn.Module):
    """A cell whose output nothing reads: not computed. It leaves a tensor with no channels
    but the right batch and spatial size, which is all that later cells look at."""

    def __init__(self, reduction: bool) -> None:
        super().__init__()
        self.reduction = reduction

    def forward(self, s0: torch.Tensor, s1: torch.Tensor) -> torch.Tensor:
        size = [(n + 1) // 2 if self.reduction else n for n in s1.shape[2:]]
        return s1.new_zeros(s1.shape[0], 0, *size)


class CellNet(nn.Module):
    def __init__(self, stem: nn.Module | None, cells: list[nn.Module], head: nn.Module) -> None:
        super().__init__()
        self.stem = stem
        self.cells = nn.ModuleList(cells)
        self.head = head

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # A stem nothing reads (see CellGenotype.live) is left out like a dead cell.
        s0 = s1 = self.stem(x) if self.stem is not None else x[:, :0]
        for cell in self.cells:
            s0, s1 = s1, cell(s0, s1)
        return self.head(s1)


def build_cell_net(
    genotype: Genotype,
    input_shape: Sequence[int],
    num_classes: int,
    *,
    width_multiplier: float = 1.0,
    op_factory: OpFactory | None = None,
    affine: bool = True,
) -> CellNet:
    """A ``CellNet`` for inputs of ``input_shape`` (``(C, L)`` or ``(C, H, W)``).

    ``width_multiplier`` scales ``init_channels`` (to at least 4); ``op_factory`` replaces
    ``make_op`` of each edge's op; ``affine=False`` drops the batch-norm scale and shift in
    the cells (preprocessing and ops), as weight-sharing supernets do. Raises
    ``GenotypeError`` for tabular inputs or too many reductions for the input's size.
    """
    if not isinstance(genotype, CellGenotype):
        raise GenotypeError(f"build_cell_net takes cell genotypes, got {type(genotype).__name__}")
    genotype.check_input(input_shape)
    if num_classes < 2:
        raise GenotypeError(f"num_classes must be >= 2, got {num_classes}")
    dims = len(input_shape) - 1
    c = scaled(genotype.init_channels, width_multiplier)

    def default_factory(
        kind: str, node: int, slot: int, channels: int, stride: int, dims: int
    ) -> nn.Module:
        op = genotype.cell(kind).nodes[node][slot][0]
        return make_op(op, channels, stride, dims, affine)

    factory = op_factory or default_factory
    stem_c = STEM_MULTIPLIER * c
    stem_live, live = genotype.live()
    stem = None
    if stem_live:
        stem = nn.Sequential(
            conv(dims)(input_shape[0], stem_c, 3, padding=1, bias=False), batch_norm(stem_c, dims)
        )
    stage_c = genotype.stage_channels(c)
    cells: list[nn.Module] = []
    c_pp = c_p = stem_c
    reduction_prev = False
    for (kind, stage), alive in zip(genotype.sequence(), live, strict=True):
        cell = genotype.cell(kind)
        channels = (c_pp, c_p, stage_c[stage])
        if not alive:
            cells.append(DeadCell(kind == "reduce"))
        else:
            cells.append(CellModule(cell, kind, channels, reduction_prev, dims, factory, affine))
        c_pp, c_p = c_p, len(cell.nodes) * stage_c[stage]
        reduction_prev = kind == "reduce"
    pool = nn.AdaptiveAvgPool1d(1) if dims == 1 else nn.AdaptiveAvgPool2d(1)
    head = nn.Sequential(pool, nn.Flatten(), nn.Linear(c_p, num_classes))
    return CellNet(stem, cells, head)
