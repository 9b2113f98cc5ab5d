"""The genotype of a cell-based network (NASNet, DARTS: Liu et al. 2019): plain data.

A cell has two input nodes, the outputs of the two previous cells, and ``B`` intermediate
nodes. Indices: ``0`` is ``c_{k-2}``, ``1`` is ``c_{k-1}``, ``2 + j`` is intermediate node
``j``. Node ``j`` reads two inputs among ``0 .. j + 1``, applies one op to each and sums them;
the cell outputs the channel-concatenation of all its intermediate nodes. A genotype holds a
normal cell, a reduction cell and the macro skeleton: ``cells_per_stage`` normal cells in each
stage, one reduction cell between stages, ``init_channels`` and ``channel_growth``.

>>> normal = Cell(((("sep_conv_3x3", 1), ("skip_connect", 0)),
...                (("max_pool_3x3", 2), ("none", 0))))
>>> g = CellGenotype(normal, normal, cells_per_stage=(2, 2), init_channels=16)
>>> CellGenotype.from_dict(g.to_dict()) == g
True
>>> g.describe()  # doctest: +NORMALIZE_WHITESPACE
"Genotype(normal=[('sep_conv_3x3', 1), ('skip_connect', 0), ('max_pool_3x3', 2), ('none', 0)],
reduce=[('sep_conv_3x3', 1), ('skip_connect', 0), ('max_pool_3x3', 2), ('none', 0)],
cells_per_stage=[2, 2], init_channels=16, channel_growth=2)"
>>> swapped = Cell(((("skip_connect", 0), ("sep_conv_3x3", 1)),  # pair order, none's input
...                 (("max_pool_3x3", 2), ("none", 1))))
>>> CellGenotype(swapped, normal, (2, 2), 16).hash() == g.hash()  # same canonical form
True
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any, TypeAlias

from netsynth.space.genotype import GenotypeError, canonical_json, stable_hash

# Every op of the shared op table (netsynth.nn.ops.OPS), named here to keep this module
# torch-free; the DARTS search space uses the first eight.
CELL_OPS = (
    "none",
    "skip_connect",
    "max_pool_3x3",
    "avg_pool_3x3",
    "sep_conv_3x3",
    "sep_conv_5x5",
    "dil_conv_3x3",
    "dil_conv_5x5",
    "conv_1x1",
    "conv_3x3",
)
DARTS_OPS = CELL_OPS[:8]
CELL_KINDS = ("normal", "reduce")
STEM_MULTIPLIER = 3  # the stem outputs 3 * init_channels channels, as DARTS' stem does

_KEYS = ("space", "normal", "reduce", "cells_per_stage", "init_channels", "channel_growth")

Edge: TypeAlias = tuple[str, int]  # (op, input index)
Node: TypeAlias = tuple[Edge, Edge]
Path: TypeAlias = tuple[int, tuple[str, ...]]  # (cell input 0 or 1, ops along the path)
Key: TypeAlias = tuple[str, Node]  # (recursive hash, renumbered pair) of a node when ordering


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _sorted_node(edges: Sequence[Edge]) -> Node:
    first, second = sorted(edges)
    return (first, second)


@dataclass(frozen=True)
class Cell:
    """``nodes[j]`` is the pair of ``(op, input index)`` edges that intermediate node ``j``
    sums; inputs are ``0`` (``c_{k-2}``), ``1`` (``c_{k-1}``) or ``2 + i`` for node ``i < j``."""

    nodes: tuple[Node, ...]

    def __post_init__(self) -> None:
        if not isinstance(self.nodes, (list, tuple)) or not self.nodes:
            raise GenotypeError(f"a cell needs a list of nodes (at least one), got {self.nodes!r}")
        nodes = tuple(self._node(j, node) for j, node in enumerate(self.nodes))
        object.__setattr__(self, "nodes", nodes)

    @staticmethod
    def _node(j: int, node: Any) -> Node:
        pair = "a pair of [op, input] edges"
        if not isinstance(node, (list, tuple)) or len(node) != 2:
            raise GenotypeError(f"node {j} must be {pair}, got {node!r}")
        for edge in node:
            if not isinstance(edge, (list, tuple)) or len(edge) != 2:
                raise GenotypeError(f"node {j} must be {pair}, got {node!r}")
            op, source = edge
            if op not in CELL_OPS:
                raise GenotypeError(f"node {j}: unknown op {op!r}; known: {', '.join(CELL_OPS)}")
            if not _is_int(source) or not 0 <= source < j + 2:
                raise GenotypeError(
                    f"node {j}: input {source!r} must be an integer in 0..{j + 1} "
                    "(0 = c_{k-2}, 1 = c_{k-1}, 2 + i = node i)"
                )
        return ((node[0][0], node[0][1]), (node[1][0], node[1][1]))

    def to_list(self) -> list[list[list[Any]]]:
        return [[[op, source] for op, source in node] for node in self.nodes]

    def pairs(self) -> list[Edge]:
        """DARTS' flat list of ``(op, input)``, two per node."""
        return [edge for node in self.nodes for edge in node]

    def reads(self) -> set[int]:
        """The cell inputs (0, 1) that an edge other than ``none`` reads."""
        return {source for node in self.nodes for op, source in node if op != "none" and source < 2}

    def paths(self) -> list[Path]:
        """Every path from a cell input to the output (through any node: all are concatenated),
        as ``(input, ops along it)``; ``none`` edges carry nothing and start no path."""
        ending: list[list[Path]] = [[(0, ())], [(1, ())]]
        for node in self.nodes:
            ending.append(
                [
                    (start, (*ops, op))
                    for op, source in node
                    if op != "none"
                    for start, ops in ending[source]
                ]
            )
        return [path for node_paths in ending[2:] for path in node_paths]

    def canonical(self) -> Cell:
        """The representative of this cell's class (see ``canonical_cell``)."""
        return canonical_cell(self)


@dataclass(frozen=True)
class CellGenotype:
    """A normal and a reduction cell in a macro skeleton:

    stem ─► cells_per_stage[0] normal cells ─► reduce ─► cells_per_stage[1] normal cells ─► ...
         ─► global average pool ─► linear

    Stage ``s`` works on ``round(init_channels * channel_growth ** s)`` channels per node."""

    normal: Cell
    reduce: Cell
    cells_per_stage: tuple[int, ...] = (2, 2, 2)
    init_channels: int = 16
    channel_growth: float = 2.0

    def __post_init__(self) -> None:
        for kind in CELL_KINDS:
            if not isinstance(getattr(self, kind), Cell):
                raise GenotypeError(f"{kind} must be a Cell, got {type(getattr(self, kind))}")
        stages = tuple(self.cells_per_stage)
        if not stages or not all(_is_int(n) and n >= 1 for n in stages):
            raise GenotypeError(
                f"cells_per_stage must be a non-empty list of integers >= 1, got {stages!r}"
            )
        object.__setattr__(self, "cells_per_stage", stages)
        if not _is_int(self.init_channels) or self.init_channels < 2:
            raise GenotypeError(f"init_channels must be an integer >= 2, got {self.init_channels}")
        growth = self.channel_growth
        if isinstance(growth, bool) or not isinstance(growth, (int, float)):
            raise GenotypeError(f"channel_growth must be a number, got {growth!r}")
        if not (math.isfinite(growth) and growth >= 1.0):
            raise GenotypeError(f"channel_growth must be a finite number >= 1, got {growth}")
        object.__setattr__(self, "channel_growth", float(growth))

    # -- plain data ----------------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        return {
            "space": "cell",
            "normal": self.normal.to_list(),
            "reduce": self.reduce.to_list(),
            "cells_per_stage": list(self.cells_per_stage),
            "init_channels": self.init_channels,
            "channel_growth": self.channel_growth,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CellGenotype:
        if data.get("space", "cell") != "cell":
            raise GenotypeError(f"not a cell genotype: space={data.get('space')!r}")
        unknown = sorted(set(data) - set(_KEYS))
        if unknown:
            raise GenotypeError(f"unknown key {unknown[0]!r}; allowed: {', '.join(_KEYS)}")
        missing = [key for key in ("normal", "reduce") if key not in data]
        if missing:
            raise GenotypeError(f"a cell genotype needs {' and '.join(missing)}")
        try:
            return cls(
                Cell(data["normal"]),
                Cell(data["reduce"]),
                tuple(data.get("cells_per_stage", (2, 2, 2))),
                data.get("init_channels", 16),
                data.get("channel_growth", 2.0),
            )
        except TypeError as exc:
            raise GenotypeError(f"bad cell genotype description: {exc}") from None

    def to_json(self) -> str:
        """Canonical JSON of this form: sorted keys, no spaces."""
        return canonical_json(self.to_dict())

    def hash(self) -> str:
        """A stable 16-hex-digit id of the canonical form: equivalent genotypes hash equal."""
        return stable_hash(self.canonical().to_dict())

    def canonical(self) -> CellGenotype:
        """Both cells in canonical form (see ``canonical_cell``); the macro is kept."""
        return replace(self, normal=self.normal.canonical(), reduce=self.reduce.canonical())

    def cell(self, kind: str) -> Cell:
        return self.normal if kind == "normal" else self.reduce

    def describe(self) -> str:
        """One line, DARTS' ``Genotype(normal=[('sep_conv_3x3', 1), ...], ...)`` plus the macro."""
        growth = f"{self.channel_growth:g}"
        return (
            f"Genotype(normal={self.normal.pairs()}, reduce={self.reduce.pairs()}, "
            f"cells_per_stage={list(self.cells_per_stage)}, "
            f"init_channels={self.init_channels}, channel_growth={growth})"
        )

    # -- the macro skeleton --------------------------------------------------------------------

    def stage_channels(self, init_channels: int | None = None) -> list[int]:
        """Channels per node in each stage, from ``init_channels`` (the genotype's by default)."""
        c = self.init_channels if init_channels is None else init_channels
        return [max(1, round(c * self.channel_growth**s)) for s in range(len(self.cells_per_stage))]

    def sequence(self) -> list[tuple[str, int]]:
        """``(cell kind, stage)`` of every cell in order: normal cells, a reduction between
        stages (the reduction cell belongs to the stage it leads into)."""
        cells: list[tuple[str, int]] = []
        for stage, count in enumerate(self.cells_per_stage):
            if stage > 0:
                cells.append(("reduce", stage))
            cells += [("normal", stage)] * count
        return cells

    def live(self) -> tuple[bool, list[bool]]:
        """Whether the stem, and each cell of ``sequence()``, reaches the output. Cell ``k``
        does when cell ``k+1`` does and reads ``c_{k-1}``, or cell ``k+2`` does and reads
        ``c_{k-2}`` (through an op other than ``none``); the last cell always does."""
        reads = {kind: self.cell(kind).reads() for kind in CELL_KINDS}
        kinds = [kind for kind, _ in self.sequence()]
        live = [False] * len(kinds)
        live[-1] = True
        for k in range(len(kinds) - 2, -1, -1):
            live[k] = (live[k + 1] and 1 in reads[kinds[k + 1]]) or (
                k + 2 < len(kinds) and live[k + 2] and 0 in reads[kinds[k + 2]]
            )
        # The stem stands in for both inputs of cell 0 and for c_{k-2} of cell 1.
        stem = (live[0] and bool(reads[kinds[0]])) or (
            len(kinds) > 1 and live[1] and 0 in reads[kinds[1]]
        )
        return stem, live

    def check_input(self, input_shape: Sequence[int]) -> None:
        """Raise ``GenotypeError`` unless ``input_shape`` is ``(C, L)`` or ``(C, H, W)`` with
        at least 2 positions on every axis before each reduction."""
        shape = tuple(int(n) for n in input_shape)
        if len(shape) == 1:
            raise GenotypeError(
                "the cell space needs sequences (C, L) or images (C, H, W); "
                f"got tabular input of shape {shape}"
            )
        if len(shape) not in (2, 3) or min(shape) < 1:
            raise GenotypeError(
                f"input_shape must be (C, L) or (C, H, W) of positive sizes; got {shape}"
            )
        reductions = len(self.cells_per_stage) - 1
        sizes = [shape[1:]]
        while len(sizes) <= reductions:
            sizes.append(tuple((n + 1) // 2 for n in sizes[-1]))  # every op rounds up
        if all(min(size) >= 2 for size in sizes[:-1]):
            return
        possible = 0
        size = shape[1:]
        while min(size) >= 2:
            size, possible = tuple((n + 1) // 2 for n in size), possible + 1
        trail = " -> ".join("x".join(map(str, size)) for size in sizes)
        raise GenotypeError(
            f"input of shape {shape} is too small for {reductions} reductions "
            f"(cells_per_stage {list(self.cells_per_stage)}): spatial size {trail}; "
            f"a reduction needs at least 2 positions per axis, so use at most "
            f"{possible + 1} stages or a larger input"
        )


# -- the canonical form ---------------------------------------------------------------------------


@lru_cache(maxsize=4096)  # hash() is called often, and on the same cells
def canonical_cell(cell: Cell) -> Cell:
    """The representative of ``cell``'s class of equivalent cells:

    (a) a node sums its two edges, so the pair is sorted;
    (b) a ``none`` edge outputs zeros whatever it reads, so it reads input 0 (a node with two
        ``none`` edges stays, as zeros in the concatenation, as ``(none, 0), (none, 0)``);
    (c) renumbering intermediate nodes consistently with their dependencies permutes only the
        channels of the concatenation, so the nodes are ordered by a recursive hash (of a node:
        its sorted pair of ``(op, hash of input)``), ties broken by the renumbered pair.

    (c) takes the lexicographically smallest sequence of ``(hash, renumbered pair)`` over all
    dependency-respecting orders: at each step only the smallest ready node is placed, and
    only exact twins (same hash and same inputs) tie — their branches are all explored unless
    swapping the twins maps the cell onto itself, when one branch is enough.
    """
    nodes = [
        _sorted_node([(op, 0 if op == "none" else source) for op, source in node])
        for node in cell.nodes
    ]
    labels = ["input0", "input1"]
    for node in nodes:
        labels.append(stable_hash(sorted([op, labels[source]] for op, source in node)))
    best: list[tuple[Key, ...]] = []

    def renumbered(v: int, index: dict[int, int]) -> Node:
        return _sorted_node([(op, index.get(source, source)) for op, source in nodes[v - 2]])

    def visit(index: dict[int, int], prefix: tuple[Key, ...]) -> None:
        if best and prefix > best[0][: len(prefix)]:
            return
        if len(prefix) == len(nodes):
            best[:] = [prefix]
            return
        ready = [
            v
            for v in range(2, len(nodes) + 2)
            if v not in index and all(s < 2 or s in index for _, s in nodes[v - 2])
        ]
        keyed = [((labels[v], renumbered(v, index)), v) for v in ready]
        low = min(key for key, _ in keyed)
        explored: list[int] = []
        for key, v in keyed:
            if key != low or any(_swappable(nodes, u, v) for u in explored):
                continue
            explored.append(v)
            visit({**index, v: len(prefix) + 2}, (*prefix, key))

    visit({0: 0, 1: 1}, ())
    return Cell(tuple(node for _, node in best[0]))


def _swappable(nodes: list[Node], u: int, v: int) -> bool:
    """Whether exchanging nodes ``u`` and ``v`` (and every reference to them) leaves the cell
    unchanged: an automorphism, so both orders give the same result."""
    swap = {u: v, v: u}
    for w in range(2, len(nodes) + 2):
        image = _sorted_node([(op, swap.get(source, source)) for op, source in nodes[w - 2]])
        if image != nodes[swap.get(w, w) - 2]:
            return False
    return True
