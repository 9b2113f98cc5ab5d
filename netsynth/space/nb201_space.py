"""The NAS-Bench-201 cell space (Dong & Yang, 2020), joint with training hyperparameters.

One cell, repeated through a fixed skeleton (see ``netsynth.nn.nb201_net``), with one op per
edge. The flat view has one categorical per edge, ``e0``..``e5`` for the edges (0,1), (0,2),
(1,2), (0,3), (1,3), (2,3) in that order, then the training hyperparameters; the skeleton
(``init_channels``, ``cells_per_stage``) is fixed by the configuration.

>>> import numpy as np
>>> space = NB201Space(NB201SpaceConfig())
>>> params = space.flat().sample(np.random.default_rng(0))
>>> genotype, training = space.decode(params)
>>> genotype.ops == tuple(params[f"e{k}"] for k in range(6))
True
>>> space.params_of(genotype, training) == params
True
>>> len(space.neighbours(genotype))
24
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any, Literal

import numpy as np
from pydantic import Field, field_validator

from netsynth.space.distributions import ParamValue
from netsynth.space.genotype import Genotype, GenotypeError
from netsynth.space.nb201_genotype import (
    EDGES,
    NODES,
    OPS,
    NB201Genotype,
    check_input_shape,
    nb201_genotype,
)
from netsynth.space.space_base import BaseArchitectureSpace
from netsynth.space.training_space import FlatBuilder, TrainingSpaceConfig
from netsynth.strict_model import Strict
from netsynth.training_config import TrainingConfig

# The input -> output paths of the cell, as edge indices into EDGES (0->3, 0->1->3, 0->2->3,
# 0->1->2->3): the path encoding's blocks, in this order.
PATHS = ((3,), (0, 4), (1, 5), (0, 2, 5))


class NB201SpaceConfig(Strict):
    """``space: {type: nb201, ...}`` in a spec."""

    type: Literal["nb201"] = "nb201"
    ops: list[str] = Field(default=list(OPS), min_length=1)  # the ops an edge can take
    init_channels: int = Field(default=16, ge=1)  # channels of the first stage (x2 per stage)
    cells_per_stage: int = Field(default=5, ge=1)  # cells in each of the 3 stages
    training: TrainingSpaceConfig = TrainingSpaceConfig()

    @field_validator("ops")
    @classmethod
    def _known_ops(cls, ops: list[str]) -> list[str]:
        for op in ops:
            if op not in OPS:
                raise ValueError(f"unknown op {op!r}; allowed: {', '.join(OPS)}")
        return ops


class NB201Space(BaseArchitectureSpace[NB201SpaceConfig, NB201Genotype]):
    """Six edges, each one op of ``config.ops``; ``len(ops) ** 6`` cells."""

    builder = "netsynth.nn.nb201_net:build_nb201"

    def _prepare(self) -> None:
        # Standard order whatever the config's order, so encodings agree across configs.
        self.ops = tuple(op for op in OPS if op in self.config.ops)
        self._path_ops = tuple(op for op in self.ops if op != "none")

    # -- the flat view -------------------------------------------------------------------------

    def _add_choices(self, flat: FlatBuilder) -> None:
        for k in range(len(EDGES)):
            flat.add(f"e{k}", list(self.ops))

    def _genotype_of(self, values: Mapping[str, ParamValue]) -> NB201Genotype:
        return NB201Genotype(
            tuple(str(values[f"e{k}"]) for k in range(len(EDGES))),
            self.config.init_channels,
            self.config.cells_per_stage,
        )

    def _architecture_params(self, genotype: Genotype) -> dict[str, ParamValue]:
        cell = self._member(genotype)
        return {f"e{k}": op for k, op in enumerate(cell.ops)}

    # -- the structured view -------------------------------------------------------------------

    def _member(self, genotype: Genotype) -> NB201Genotype:
        """``genotype`` if this space holds it; a ``GenotypeError`` naming what differs."""
        cell = nb201_genotype(genotype)
        for k, op in enumerate(cell.ops):
            if op not in self.ops:
                raise GenotypeError(f"e{k}={op!r} is not in this space; ops: {', '.join(self.ops)}")
        skeleton = (self.config.init_channels, self.config.cells_per_stage)
        if (cell.init_channels, cell.cells_per_stage) != skeleton:
            raise GenotypeError(
                f"skeleton init_channels={cell.init_channels}, "
                f"cells_per_stage={cell.cells_per_stage} differs from this space's {skeleton}"
            )
        return cell

    def _with_edge(self, cell: NB201Genotype, k: int, op: str) -> NB201Genotype:
        return replace(cell, ops=(*cell.ops[:k], op, *cell.ops[k + 1 :]))

    def neighbours(self, genotype: Genotype) -> list[Genotype]:
        """Every cell with one edge's op changed: ``6 * (len(ops) - 1)`` of them."""
        cell = self._member(genotype)
        return [
            self._with_edge(cell, k, op)
            for k in range(len(EDGES))
            for op in self.ops
            if op != cell.ops[k]
        ]

    def mutate(self, genotype: Genotype, rng: np.random.Generator) -> Genotype:
        """One edge, drawn uniformly, gets another op of the space, drawn uniformly."""
        cell = self._member(genotype)
        if len(self.ops) == 1:
            return cell  # a space of one architecture
        k = int(rng.integers(len(EDGES)))
        others = [op for op in self.ops if op != cell.ops[k]]
        return self._with_edge(cell, k, others[int(rng.integers(len(others)))])

    def encode(self, genotype: Genotype) -> np.ndarray:
        """Edge one-hots, then a path encoding; ``6 * n + p + p**2 + p**2 + p**3`` floats for
        ``n = len(ops)`` and ``p`` the number of ops other than ``none``.

        - ``[k * n + i]``: edge ``e{k}`` has op ``ops[i]`` (``ops`` in ``OPS`` order).
        - then one block per path of ``PATHS`` (0->3, 0->1->3, 0->2->3, 0->1->2->3), of
          ``p ** length`` entries: a one-hot of the path's op sequence, read as a base-``p``
          number with the first edge's op as the most significant digit (indices into the
          non-``none`` ops). A path through a ``none`` edge leaves its block all zero.
        """
        cell = self._member(genotype)
        n, p = len(self.ops), len(self._path_ops)
        edges = np.zeros(len(EDGES) * n, dtype=np.float32)
        for k, op in enumerate(cell.ops):
            edges[k * n + self.ops.index(op)] = 1.0
        blocks = []
        for path in PATHS:
            block = np.zeros(p ** len(path), dtype=np.float32)
            ops = [cell.ops[k] for k in path]
            if "none" not in ops:
                index = 0
                for op in ops:
                    index = index * p + self._path_ops.index(op)
                block[index] = 1.0
            blocks.append(block)
        return np.concatenate([edges, *blocks])

    def canonical(self, genotype: Genotype) -> NB201Genotype:
        """Dead edges become ``none`` and nodes 1/2 take their canonical order (see
        ``netsynth.space.nb201_genotype.canonical_ops``); the result is in this space when the
        genotype is."""
        return nb201_genotype(genotype).canonical()

    def repair(self, genotype: Genotype, input_shape: Sequence[int]) -> NB201Genotype:
        """The genotype unchanged, or a ``GenotypeError`` if the skeleton cannot take the input
        (tables; spatial axes shorter than 4, which two halvings would leave empty)."""
        cell = nb201_genotype(genotype)
        check_input_shape(input_shape)
        return cell

    def graph(self, genotype: Genotype) -> dict[str, Any]:
        cell = nb201_genotype(genotype)
        labels = ["input", *(f"node {j}" for j in range(1, NODES - 1)), "output"]
        return {
            "kind": "nb201",
            "nodes": [{"id": j, "label": label} for j, label in enumerate(labels)],
            "edges": [
                {"source": i, "target": j, "label": op}
                for (i, j), op in zip(EDGES, cell.ops, strict=True)
                if op != "none"
            ],
            "skeleton": {
                "init_channels": cell.init_channels,
                "cells_per_stage": cell.cells_per_stage,
                "stages": 3,
                "reduction": "residual block, stride 2, channels x2",
            },
        }

    def all_genotypes(self) -> list[NB201Genotype]:
        """Every cell of the space (``len(ops) ** 6``; 15625 for all five ops)."""
        return [
            NB201Genotype(ops, self.config.init_channels, self.config.cells_per_stage)
            for ops in itertools.product(self.ops, repeat=len(EDGES))
        ]


# TrainingConfig: what ``decode`` returns beside the genotype.
__all__ = ["PATHS", "NB201Space", "NB201SpaceConfig", "TrainingConfig", "TrainingSpaceConfig"]
