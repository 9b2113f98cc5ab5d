"""The cell-based space (NASNet, DARTS: Liu et al. 2019) with its macro skeleton, joint with
training hyperparameters.

Input indices of a node's edges: ``0`` is ``c_{k-2}``, ``1`` is ``c_{k-1}``, ``2 + i`` is
intermediate node ``i`` (see ``netsynth.space.cell_genotype``). The flat view, in order:

    macro.stages                   stages, one reduction cell between two       (if searched)
    macro.cells{s}                 normal cells of stage s, when there is one   (if searched)
    macro.init_channels            channels per node in stage 0                 (if searched)
    macro.growth                   channel factor at each reduction             (if searched)
    {normal,reduce}.n{j}.in{t}     input of edge t (0 or 1) of node j: 0 .. j+1
    {normal,reduce}.n{j}.op{t}     its op                                (if several ops)
    optimizer, lr, batch_size, ... training (see ``TrainingSpaceConfig``)

Fixed settings stay out of the flat view and are filled in by ``decode``.

>>> import numpy as np
>>> space = CellSpace(CellSpaceConfig(nodes=3, stages=[2, 3], cells_per_stage=[1, 2]))
>>> params = space.flat().sample(np.random.default_rng(0))
>>> genotype, training = space.decode(params)
>>> len(genotype.cells_per_stage) == params["macro.stages"]
True
>>> space.params_of(genotype, training) == params
True
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any, Literal

import numpy as np
from pydantic import Field, model_validator

from netsynth.space.cell_genotype import (
    CELL_KINDS,
    CELL_OPS,
    DARTS_OPS,
    STEM_MULTIPLIER,
    Cell,
    CellGenotype,
    Edge,
)
from netsynth.space.distributions import ParamValue
from netsynth.space.genotype import Genotype, GenotypeError
from netsynth.space.one_hot import one_hot, unique
from netsynth.space.search_space import Condition
from netsynth.space.space_base import BaseArchitectureSpace
from netsynth.space.training_space import FlatBuilder, TrainingSpaceConfig
from netsynth.strict_model import Strict
from netsynth.training_config import TrainingConfig

MAX_PATH_FEATURES = 1 << 16  # per cell; more would make encode() vectors unwieldy


class CellSpaceConfig(Strict):
    """``space: {type: cell, ...}`` in a spec. Each macro setting is one value (fixed) or a
    list of choices (searched)."""

    type: Literal["cell"] = "cell"
    nodes: int = Field(default=4, ge=1, le=8)  # intermediate nodes per cell (B)
    ops: list[str] = Field(default=list(DARTS_OPS), min_length=1)  # see cell_genotype.CELL_OPS
    stages: int | list[int] = 3  # a reduction cell between two stages
    cells_per_stage: int | list[int] = 2  # normal cells per stage, drawn for each stage
    init_channels: int | list[int] = 16  # channels per node in stage 0; the stem has 3x
    channel_growth: float | list[float] = 2.0  # channels x growth at each reduction
    max_path_ops: int = Field(default=4, ge=1)  # encode(): paths of at most this many ops
    training: TrainingSpaceConfig = TrainingSpaceConfig()

    @model_validator(mode="after")
    def _consistent(self) -> CellSpaceConfig:
        for op in self.ops:
            if op not in CELL_OPS:
                raise ValueError(f"ops: unknown op {op!r}; allowed: {', '.join(CELL_OPS)}")
        if set(self.ops) == {"none"}:
            raise ValueError("ops: needs an op other than 'none' (that one only adds zeros)")
        rules: list[tuple[str, Any, str]] = [
            ("stages", lambda n: 1 <= n <= 8, "integers in 1..8"),
            ("cells_per_stage", lambda n: n >= 1, "integers >= 1"),
            ("init_channels", lambda n: n >= 2, "integers >= 2"),
            ("channel_growth", lambda g: math.isfinite(g) and g >= 1, "numbers >= 1"),
        ]
        for name, ok, rule in rules:
            values = _choices(getattr(self, name))
            if not values:
                raise ValueError(f"{name}: needs at least one value")
            bad = [v for v in values if not ok(v)]
            if bad:
                raise ValueError(f"{name}: {bad[0]!r} is not allowed; {name} must be {rule}")
        size = _path_features(self.nodes, self.max_path_ops, _path_ops(self.ops))
        if size > MAX_PATH_FEATURES:
            raise ValueError(
                f"max_path_ops: the path encoding would have {size} features per cell "
                f"(over {MAX_PATH_FEATURES}); lower max_path_ops or use fewer ops"
            )
        return self


def _choices(setting: Any) -> list[Any]:
    return unique(setting) if isinstance(setting, list) else [setting]


def _path_ops(ops: Sequence[str]) -> list[str]:
    return [op for op in unique(ops) if op != "none"]


def _path_features(nodes: int, max_path_ops: int, path_ops: Sequence[str]) -> int:
    """Paths from 2 inputs through 1..L ops: 2 · Σ_{k=1}^{L} m^k, L = min(B, max_path_ops)."""
    m = len(path_ops)
    return 2 * sum(math.prod([m] * k) for k in range(1, min(nodes, max_path_ops) + 1))


def _int(value: ParamValue) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise GenotypeError(f"expected an integer, got {value!r}")
    return int(value)


class CellSpace(BaseArchitectureSpace[CellSpaceConfig, CellGenotype]):
    """A normal and a reduction cell of ``nodes`` nodes in a (searched or fixed) skeleton,
    plus training hyperparameters."""

    builder = "netsynth.nn.cell_net:build_cell_net"

    def _prepare(self) -> None:
        c = self.config
        self._ops = unique(c.ops)
        self._path_ops = _path_ops(c.ops)
        self._path_length = min(c.nodes, c.max_path_ops)
        self._macro = {
            "stages": _choices(c.stages),
            "cells": _choices(c.cells_per_stage),
            "init_channels": _choices(c.init_channels),
            "growth": _choices(c.channel_growth),
        }

    # -- the flat view -------------------------------------------------------------------------

    def _add_choices(self, flat: FlatBuilder) -> None:
        macro = self._macro
        stages = macro["stages"]
        flat.add("macro.stages", stages)
        for s in range(max(stages)):
            exists = None
            if "macro.stages" in flat.distributions and s >= min(stages):
                exists = Condition("macro.stages", tuple(n for n in stages if n > s))
            flat.add(f"macro.cells{s}", macro["cells"], exists)
        flat.add("macro.init_channels", macro["init_channels"])
        flat.add("macro.growth", macro["growth"])
        for kind in CELL_KINDS:
            for j in range(self.config.nodes):
                for t in (0, 1):
                    flat.add(f"{kind}.n{j}.in{t}", list(range(j + 2)))
                    flat.add(f"{kind}.n{j}.op{t}", self._ops)

    def _genotype_of(self, values: Mapping[str, ParamValue]) -> CellGenotype:
        def edge(kind: str, j: int, t: int) -> Edge:
            return (str(values[f"{kind}.n{j}.op{t}"]), _int(values[f"{kind}.n{j}.in{t}"]))

        cells = {
            kind: Cell(
                tuple((edge(kind, j, 0), edge(kind, j, 1)) for j in range(self.config.nodes))
            )
            for kind in CELL_KINDS
        }
        return CellGenotype(
            cells["normal"],
            cells["reduce"],
            tuple(_int(values[f"macro.cells{s}"]) for s in range(_int(values["macro.stages"]))),
            _int(values["macro.init_channels"]),
            float(values["macro.growth"]),  # type: ignore[arg-type]
        )

    def _architecture_params(self, genotype: Genotype) -> dict[str, ParamValue]:
        g = self._own(genotype)
        params: dict[str, ParamValue] = {"macro.stages": len(g.cells_per_stage)}
        params.update({f"macro.cells{s}": n for s, n in enumerate(g.cells_per_stage)})
        params["macro.init_channels"] = g.init_channels
        params["macro.growth"] = g.channel_growth
        for kind in CELL_KINDS:
            for j, node in enumerate(g.cell(kind).nodes):
                for t, (op, source) in enumerate(node):
                    params[f"{kind}.n{j}.in{t}"] = source
                    params[f"{kind}.n{j}.op{t}"] = op
        if len(g.normal.nodes) != self.config.nodes or len(g.reduce.nodes) != self.config.nodes:
            raise GenotypeError(f"not in this space: its cells have {self.config.nodes} nodes")
        return params

    # -- the structured view -------------------------------------------------------------------

    def neighbours(self, genotype: Genotype) -> list[Genotype]:
        """Every genotype one change away: an op or an input of one edge, or one macro setting.

        For a genotype of this space, with B nodes, O ops and S, N, I, G choices of stages,
        cells per stage, init channels and growth, and n stages now, that is
            2 cells · Σ_j 2 edges · ((O - 1) + (j + 1))  =  4B(O - 1) + 2B(B + 1)
            + (S - 1) + n(N - 1) + (I - 1) + (G - 1).
        """
        g = self._own(genotype)
        result: list[Genotype] = []
        for kind in CELL_KINDS:
            for j, node in enumerate(g.cell(kind).nodes):
                for t, (op, source) in enumerate(node):
                    edges = [(new, source) for new in self._ops if new != op]
                    edges += [(op, new) for new in range(j + 2) if new != source]
                    result += [_with_edge(g, kind, j, t, edge) for edge in edges]
        return result + self._macro_neighbours(g)

    def _macro_neighbours(self, g: CellGenotype) -> list[Genotype]:
        macro, cells = self._macro, g.cells_per_stage
        result: list[Genotype] = []
        for n in macro["stages"]:
            if n != len(cells):  # new stages copy the last one (or take the first choice)
                fill = cells[-1] if cells[-1] in macro["cells"] else macro["cells"][0]
                grown = (*cells[:n], *[fill] * (n - len(cells)))
                result.append(replace(g, cells_per_stage=grown))
        for s, count in enumerate(cells):
            result += [
                replace(g, cells_per_stage=(*cells[:s], n, *cells[s + 1 :]))
                for n in macro["cells"]
                if n != count
            ]
        result += [
            replace(g, init_channels=c) for c in macro["init_channels"] if c != g.init_channels
        ]
        result += [replace(g, channel_growth=x) for x in macro["growth"] if x != g.channel_growth]
        return result

    def mutate(self, genotype: Genotype, rng: np.random.Generator) -> Genotype:
        """A random neighbour, one with a different canonical form when there is one (changing
        the input of a ``none`` edge, say, changes nothing)."""
        options = self.neighbours(genotype)
        if not options:
            return genotype  # a space of one architecture
        order = rng.permutation(len(options))
        current = genotype.hash()
        different = (int(i) for i in order if options[int(i)].hash() != current)
        return options[next(different, int(order[0]))]

    def encode(self, genotype: Genotype) -> np.ndarray:
        """A float vector of the canonical form, of constant length for this space.

        For each cell (normal, then reduce), with B nodes and O ops:
            inputs  B·2·(B+1)  one-hot input index of each edge (node j, slot t)
            ops     B·2·O      one-hot op of each edge, in config order
            paths   2·Σ_{k=1}^{L} m^k   path encoding (BANANAS, White et al. 2021): the number
                    of paths from input i (0, 1) through k ops to the output, at index
                    offset(k) + i·m^k + (ops as a base-m number, first op most significant),
                    where m = ops other than ``none`` (a ``none`` edge carries no path) and
                    L = min(B, max_path_ops): longer paths (a path of k ops has k + 1 edges
                    counting the concatenation, so at most B + 1) are left out when
                    max_path_ops < B.
        Then the macro: one-hot stages (S), one-hot cells of each of the max(S) stages (N each,
        zeros for an absent stage), one-hot init channels (I), one-hot growth (G).
        """
        g = self._own(genotype).canonical()
        parts = [self._encode_cell(g.cell(kind)) for kind in CELL_KINDS]
        macro, cells = self._macro, g.cells_per_stage
        parts.append(one_hot(len(cells), macro["stages"]))
        for s in range(max(macro["stages"])):
            parts.append(one_hot(cells[s] if s < len(cells) else None, macro["cells"]))
        parts.append(one_hot(g.init_channels, macro["init_channels"]))
        parts.append(one_hot(g.channel_growth, macro["growth"]))
        return np.concatenate(parts)

    def _encode_cell(self, cell: Cell) -> np.ndarray:
        b, ops, path_ops = self.config.nodes, self._ops, self._path_ops
        inputs = np.zeros((b, 2, b + 1), dtype=np.float32)
        op_hot = np.zeros((b, 2, len(ops)), dtype=np.float32)
        for j, node in enumerate(cell.nodes[:b]):
            for t, (op, source) in enumerate(node):
                inputs[j, t, source] = 1.0
                if op in ops:
                    op_hot[j, t, ops.index(op)] = 1.0
        m = len(path_ops)
        paths = np.zeros(_path_features(b, self._path_length, path_ops), dtype=np.float32)
        for start, steps in cell.paths():
            k = len(steps)
            if k > self._path_length or any(op not in path_ops for op in steps):
                continue
            index = 2 * sum(m**i for i in range(1, k)) + start * m**k
            for op in steps:
                k -= 1
                index += path_ops.index(op) * m**k
            paths[index] += 1.0
        return np.concatenate([inputs.ravel(), op_hot.ravel(), paths])

    def canonical(self, genotype: Genotype) -> CellGenotype:
        """Both cells in canonical form (``netsynth.space.cell_genotype.canonical_cell``)."""
        return self._own(genotype).canonical()

    def repair(self, genotype: Genotype, input_shape: Sequence[int]) -> CellGenotype:
        """The genotype itself: every cell fits every input; a tabular input, or more
        reductions than the input's size allows, raise ``GenotypeError`` saying why."""
        g = self._own(genotype)
        g.check_input(input_shape)
        return g

    def graph(self, genotype: Genotype) -> dict[str, Any]:
        """One graph per cell (inputs ``0``, ``1``; node j as ``2 + j``; the concatenation as
        ``B + 2``; ``none`` edges left out) and the macro skeleton."""
        g = self._own(genotype)
        macro = {
            "stages": len(g.cells_per_stage),
            "cells_per_stage": list(g.cells_per_stage),
            "init_channels": g.init_channels,
            "channel_growth": g.channel_growth,
            "stem_channels": STEM_MULTIPLIER * g.init_channels,
            "stage_channels": g.stage_channels(),
            "sequence": [kind for kind, _ in g.sequence()],
            "live": g.live()[1],  # False for a cell whose output nothing reads (not built)
        }
        cells = {kind: _cell_graph(g.cell(kind)) for kind in CELL_KINDS}
        return {"kind": "cell", "cells": cells, "macro": macro}


def _cell_graph(cell: Cell) -> dict[str, Any]:
    out = len(cell.nodes) + 2
    labels = ["c_{k-2}", "c_{k-1}", *[f"node {j}" for j in range(len(cell.nodes))], "concat"]
    edges = [
        {"source": source, "target": j + 2, "label": op}
        for j, node in enumerate(cell.nodes)
        for op, source in node
        if op != "none"
    ]
    edges += [{"source": j + 2, "target": out, "label": ""} for j in range(len(cell.nodes))]
    return {"nodes": [{"id": i, "label": label} for i, label in enumerate(labels)], "edges": edges}


def _with_edge(g: CellGenotype, kind: str, j: int, t: int, edge: Edge) -> CellGenotype:
    nodes = list(g.cell(kind).nodes)
    node = list(nodes[j])
    node[t] = edge
    nodes[j] = (node[0], node[1])
    cell = Cell(tuple(nodes))
    return replace(g, normal=cell) if kind == "normal" else replace(g, reduce=cell)


# TrainingConfig: what ``decode`` returns beside the genotype.
__all__ = ["CellSpace", "CellSpaceConfig", "TrainingConfig", "TrainingSpaceConfig"]
