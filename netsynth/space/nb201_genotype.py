"""The genotype of a NAS-Bench-201 cell network (Dong & Yang, 2020): plain data.

A cell has 4 nodes (0 = input, 3 = output) and one op on each of its 6 edges ``i -> j``, in
the order of ``EDGES``: (0,1), (0,2), (1,2), (0,3), (1,3), (2,3). Node ``j`` is the sum over
``i < j`` of ``op_ij(node i)``. Every cell of the network has the same ops; the skeleton around
the cells (``init_channels``, ``cells_per_stage``) travels with the genotype so that
``netsynth.nn.build`` needs nothing else.

``hash()`` is that of the *canonical* form (see ``canonical_ops``), so equivalent cells share
an id; ``==`` compares the ops as written.

>>> g = NB201Genotype(("conv_3x3", "conv_3x3", "avg_pool_3x3",
...                    "skip_connect", "conv_3x3", "skip_connect"))
>>> g.describe()
'|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|'
>>> NB201Genotype.from_string(g.describe()) == g
True
>>> NB201Genotype.from_dict(g.to_dict()) == g
True
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from netsynth.space.genotype import GenotypeError, canonical_json, stable_hash

OPS = ("none", "skip_connect", "conv_1x1", "conv_3x3", "avg_pool_3x3")
EDGES = ((0, 1), (0, 2), (1, 2), (0, 3), (1, 3), (2, 3))  # edge k of ``ops`` is EDGES[k]
NODES = 4
REDUCTIONS = 2  # stride-2 residual blocks between the three stages

# NAS-Bench-201's names for the ops in its cell strings, and back.
_NB201_NAMES = {"conv_1x1": "nor_conv_1x1", "conv_3x3": "nor_conv_3x3"}
_FROM_NB201 = {_NB201_NAMES.get(op, op): op for op in OPS}


def to_nb201_name(op: str) -> str:
    """NAS-Bench-201's name for netsynth's op ``op`` (``conv_3x3`` -> ``nor_conv_3x3``).

    >>> [from_nb201_name(to_nb201_name(op)) for op in OPS] == list(OPS)
    True
    """
    if op not in OPS:
        raise GenotypeError(f"unknown op {op!r}; known: {', '.join(OPS)}")
    return _NB201_NAMES.get(op, op)


def from_nb201_name(name: str) -> str:
    """netsynth's op for NAS-Bench-201's op name ``name`` (``nor_conv_1x1`` -> ``conv_1x1``)."""
    if name not in _FROM_NB201:
        raise GenotypeError(f"unknown op {name!r}; NAS-Bench-201's ops: {', '.join(_FROM_NB201)}")
    return _FROM_NB201[name]


def _positive_int(name: str, value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise GenotypeError(f"{name} must be an integer >= 1, got {value!r}")


def live_edges(ops: Sequence[str]) -> tuple[bool, ...]:
    """Per edge: does it lie on an input -> output path of non-``none`` edges?"""
    reached = [True, False, False, False]  # from the input
    for k, (i, j) in enumerate(EDGES):  # EDGES is sorted by target, so sources are final
        reached[j] = reached[j] or (reached[i] and ops[k] != "none")
    reaches = [False, False, False, True]  # the output
    for k, (i, j) in sorted(enumerate(EDGES), key=lambda e: -e[1][0]):  # by source, descending
        reaches[i] = reaches[i] or (reaches[j] and ops[k] != "none")
    return tuple(ops[k] != "none" and reached[i] and reaches[j] for k, (i, j) in enumerate(EDGES))


def canonical_ops(ops: Sequence[str]) -> tuple[str, ...]:
    """The representative of the cell's equivalence class.

    1. Dead edges become ``none``: an edge off every input -> output path of non-``none``
       edges computes nothing the output sees (or only zeros). A cell whose output is not
       reachable at all becomes all-``none``.
    2. Nodes 1 and 2 are interchangeable when edge (1,2) is ``none``: swapping them swaps
       (0,1) <-> (0,2) and (1,3) <-> (2,3); of the two, the lexicographically smaller op
       tuple is canonical.

    (Strictly, a conv on an all-zero node still adds its batch norm's learnable shift; like
    NAS-Bench-201 we count such an edge as dead.)
    """
    live = live_edges(ops)
    cell = tuple(op if alive else "none" for op, alive in zip(ops, live, strict=True))
    if cell[2] == "none":
        swapped = (cell[1], cell[0], cell[2], cell[3], cell[5], cell[4])
        cell = min(cell, swapped)
    return cell


def check_input_shape(input_shape: Sequence[int]) -> None:
    """Raise ``GenotypeError`` unless the skeleton can take inputs of ``input_shape``."""
    shape = tuple(input_shape)
    if len(shape) == 1:
        raise GenotypeError(
            f"the nb201 space needs sequences (C, L) or images (C, H, W); got tabular input "
            f"{shape} — use the chain space for tables"
        )
    if len(shape) not in (2, 3) or any(n < 1 for n in shape):
        raise GenotypeError(f"input_shape must be (C, L) or (C, H, W) with sizes >= 1; got {shape}")
    smallest = 2**REDUCTIONS
    if min(shape[1:]) < smallest:
        raise GenotypeError(
            f"the nb201 skeleton halves each spatial axis {REDUCTIONS} times, so every axis "
            f"needs at least {smallest} positions; got input {shape}"
        )


@dataclass(frozen=True)
class NB201Genotype:
    """Six edge ops (in ``EDGES`` order) and the fixed skeleton around the cells."""

    ops: tuple[str, ...]
    init_channels: int = 16
    cells_per_stage: int = 5

    def __post_init__(self) -> None:
        if isinstance(self.ops, str):
            raise GenotypeError(f"ops must be a sequence of {len(EDGES)} op names, not a string")
        object.__setattr__(self, "ops", tuple(self.ops))
        if len(self.ops) != len(EDGES):
            raise GenotypeError(
                f"an nb201 cell has {len(EDGES)} edges {EDGES}; got {len(self.ops)} ops"
            )
        for k, op in enumerate(self.ops):
            if op not in OPS:
                raise GenotypeError(
                    f"edge {k} {EDGES[k]}: unknown op {op!r}; known: {', '.join(OPS)}"
                )
        _positive_int("init_channels", self.init_channels)
        _positive_int("cells_per_stage", self.cells_per_stage)

    def canonical(self) -> NB201Genotype:
        """The same network with dead edges removed and nodes 1/2 in canonical order."""
        return replace(self, ops=canonical_ops(self.ops))

    def to_dict(self) -> dict[str, Any]:
        return {
            "space": "nb201",
            "ops": list(self.ops),
            "init_channels": self.init_channels,
            "cells_per_stage": self.cells_per_stage,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> NB201Genotype:
        if data.get("space", "nb201") != "nb201":
            raise GenotypeError(f"not an nb201 genotype: space={data.get('space')!r}")
        unknown = set(data) - {"space", "ops", "init_channels", "cells_per_stage"}
        if unknown:
            raise GenotypeError(f"unknown keys in an nb201 genotype: {', '.join(sorted(unknown))}")
        if not isinstance(data.get("ops"), list | tuple):
            raise GenotypeError(f"an nb201 genotype needs 'ops', a list of {len(EDGES)} op names")
        return cls(
            tuple(data["ops"]),
            data.get("init_channels", 16),
            data.get("cells_per_stage", 5),
        )

    def to_json(self) -> str:
        """Canonical JSON of the ops as written: sorted keys, no spaces."""
        return canonical_json(self.to_dict())

    def hash(self) -> str:
        """A stable 16-hex-digit id of the canonical form: equal for equivalent cells."""
        return stable_hash(self.canonical().to_dict())

    def describe(self) -> str:
        """The cell in NAS-Bench-201's string format, e.g. ``|nor_conv_3x3~0|+|...~0|...~1|``."""
        nodes = []
        for j in range(1, NODES):
            inputs = [
                f"{to_nb201_name(self.ops[k])}~{i}"
                for k, (i, target) in enumerate(EDGES)
                if target == j
            ]
            nodes.append("|" + "|".join(inputs) + "|")
        return "+".join(nodes)

    @classmethod
    def from_string(
        cls, text: str, init_channels: int = 16, cells_per_stage: int = 5
    ) -> NB201Genotype:
        """Parse NAS-Bench-201's cell string (``describe``'s format).

        >>> NB201Genotype.from_string("|skip_connect~0|+|none~0|none~1|+|none~0|none~1|none~2|").ops
        ('skip_connect', 'none', 'none', 'none', 'none', 'none')
        """
        nodes = text.strip().split("+")
        if len(nodes) != NODES - 1:
            raise GenotypeError(
                f"an nb201 cell string has {NODES - 1} nodes separated by '+'; got {text!r}"
            )
        ops: dict[tuple[int, int], str] = {}
        for j, node in enumerate(nodes, start=1):
            if not (node.startswith("|") and node.endswith("|")):
                raise GenotypeError(f"node {j} must look like |op~i|...|; got {node!r} in {text!r}")
            for entry in node[1:-1].split("|"):
                name, _, source = entry.partition("~")
                try:
                    op = from_nb201_name(name)
                except GenotypeError as exc:
                    raise GenotypeError(f"node {j}: {exc}") from None
                if not source.isdigit() or int(source) >= j or (int(source), j) in ops:
                    raise GenotypeError(
                        f"node {j}: {entry!r} must name each input 0..{j - 1} once as op~i"
                    )
                ops[int(source), j] = op
        missing = [edge for edge in EDGES if edge not in ops]
        if missing:
            raise GenotypeError(f"cell string {text!r} has no op for edges {missing}")
        return cls(tuple(ops[edge] for edge in EDGES), init_channels, cells_per_stage)


def nb201_genotype(genotype: object) -> NB201Genotype:
    """``genotype`` itself if it is an nb201 genotype; a ``GenotypeError`` otherwise."""
    if not isinstance(genotype, NB201Genotype):
        raise GenotypeError(f"the nb201 space takes nb201 genotypes, got {type(genotype).__name__}")
    return genotype
