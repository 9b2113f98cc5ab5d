"""The multi-branch (DAG) space, joint with training hyperparameters.

A network is a stem (conv 3 + batch norm + ReLU to ``stem_width`` channels, node 0) and nodes
1..n, each an op applied to the merge (sum or concat) of a non-empty set of earlier nodes; the
last node feeds global pooling and a linear classifier (see ``netsynth.space.dag_genotype``).

Flat view: ``nodes``, ``stem_width``, then per node slot ``i`` in
1..max_nodes ``n{i}.op``, ``n{i}.kernel``, ``n{i}.width``, ``n{i}.activation``, ``n{i}.norm``
(the four only for convolutions), ``n{i}.merge`` and one input bit ``n{i}.in{j}`` (0 or 1) per
earlier node ``j``; then ``global_pool`` and the training hyperparameters. Slot ``i`` is
active only when ``nodes >= i``. Default edge: a node whose input bits are all 0 reads node
``i - 1``, so every flat point decodes to a valid genotype; ``params_of`` writes that edge's
bit, so ``params_of(decode(p))`` differs from ``p`` only there.

>>> import numpy as np
>>> space = DagSpace(DagSpaceConfig(max_nodes=4))
>>> params = space.flat().sample(np.random.default_rng(0))
>>> genotype, training = space.decode(params)
>>> len(genotype.nodes) == params["nodes"]
True
>>> space.decode(space.params_of(genotype, training))[0] == genotype
True
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any, Literal

import numpy as np
from pydantic import Field, model_validator

from netsynth.space.dag_genotype import (
    CONV_OPS,
    POOL_OPS,
    DagGenotype,
    DagNode,
    pooled_size,
)
from netsynth.space.distributions import ParamValue
from netsynth.space.genotype import Genotype, GenotypeError
from netsynth.space.one_hot import one_hot, unique
from netsynth.space.search_space import Condition
from netsynth.space.space_base import BaseArchitectureSpace
from netsynth.space.training_space import FlatBuilder, TrainingSpaceConfig
from netsynth.strict_model import Strict
from netsynth.training_config import TrainingConfig

_CONV_FIELDS = ("kernel", "width", "activation", "norm")


class DagSpaceConfig(Strict):
    """``space: {type: dag, ...}`` in a spec."""

    type: Literal["dag"] = "dag"
    min_nodes: int = Field(default=2, ge=1, le=16)
    # Concat nodes add up channels: keep max_nodes modest.
    max_nodes: int = Field(default=6, ge=1, le=16)
    ops: list[Literal["conv", "sepconv", "maxpool", "avgpool", "identity"]] = Field(
        default=["conv", "sepconv", "maxpool", "identity"], min_length=1
    )
    kernels: list[int] = Field(default=[3, 5], min_length=1)
    widths: list[int] = Field(default=[16, 32, 64], min_length=1)
    activations: list[Literal["relu", "gelu", "silu", "elu", "tanh"]] = Field(
        default=["relu", "gelu"], min_length=1
    )
    norms: list[Literal["none", "batch", "layer"]] = Field(default=["batch"], min_length=1)
    merges: list[Literal["sum", "concat"]] = Field(default=["sum", "concat"], min_length=1)
    stem_width: int | list[int] = 16
    global_pools: list[Literal["avg", "max"]] = Field(default=["avg"], min_length=1)
    training: TrainingSpaceConfig = TrainingSpaceConfig()

    @model_validator(mode="after")
    def _consistent(self) -> DagSpaceConfig:
        if self.min_nodes > self.max_nodes:
            raise ValueError(f"min_nodes ({self.min_nodes}) > max_nodes ({self.max_nodes})")
        if any(k < 1 for k in self.kernels) or any(w < 1 for w in self.widths):
            raise ValueError("kernels and widths must be >= 1")
        if not self.stem_widths or any(w < 1 for w in self.stem_widths):
            raise ValueError("stem_width must be an integer >= 1 or a non-empty list of them")
        return self

    @property
    def stem_widths(self) -> list[int]:
        return unique(self.stem_width if isinstance(self.stem_width, list) else [self.stem_width])


class DagSpace(BaseArchitectureSpace[DagSpaceConfig, DagGenotype]):
    """DAGs of ``min_nodes``..``max_nodes`` nodes plus training hyperparameters."""

    builder = "netsynth.nn.dag_net:build_dag"

    # -- the flat view -------------------------------------------------------------------------

    def _add_choices(self, flat: FlatBuilder) -> None:
        c = self.config
        flat.add_count("nodes", c.min_nodes, c.max_nodes)
        flat.add("stem_width", c.stem_widths)
        ops = unique(c.ops)
        convs = tuple(op for op in ops if op in CONV_OPS)
        for i in range(1, c.max_nodes + 1):
            exists: Condition | None = None
            if "nodes" in flat.distributions and i > c.min_nodes:
                exists = Condition("nodes", tuple(range(i, c.max_nodes + 1)))
            flat.add(f"n{i}.op", ops, exists)
            if convs:
                on_conv = Condition(f"n{i}.op", convs) if f"n{i}.op" in flat.distributions else None
                for name, values in _conv_choices(c).items():
                    flat.add(f"n{i}.{name}", values, on_conv or exists)
            flat.add(f"n{i}.merge", unique(c.merges), exists)
            for j in range(i):
                flat.add(f"n{i}.in{j}", [0, 1], exists)
        flat.add("global_pool", unique(c.global_pools))

    def _genotype_of(self, values: Mapping[str, ParamValue]) -> DagGenotype:
        nodes = []
        for i in range(1, int(values["nodes"]) + 1):  # type: ignore[arg-type]
            op = str(values[f"n{i}.op"])
            # The default edge: a node with no input bit set reads the previous node.
            inputs = tuple(j for j in range(i) if values.get(f"n{i}.in{j}") == 1) or (i - 1,)
            merge = str(values[f"n{i}.merge"])
            if op not in CONV_OPS:
                nodes.append(DagNode(op, inputs, merge=merge))
                continue
            nodes.append(
                DagNode(
                    op,
                    inputs,
                    width=int(values[f"n{i}.width"]),  # type: ignore[arg-type]
                    kernel=int(values[f"n{i}.kernel"]),  # type: ignore[arg-type]
                    activation=str(values[f"n{i}.activation"]),
                    norm=str(values[f"n{i}.norm"]),
                    merge=merge,
                )
            )
        return DagGenotype(
            tuple(nodes),
            int(values["stem_width"]),  # type: ignore[arg-type]
            str(values["global_pool"]),
        )

    def _architecture_params(self, genotype: Genotype) -> dict[str, ParamValue]:
        dag = self._own(genotype)
        merges = unique(self.config.merges)
        params: dict[str, ParamValue] = {"nodes": len(dag.nodes), "stem_width": dag.stem_width}
        for i, node in enumerate(dag.nodes, start=1):
            params[f"n{i}.op"] = node.op
            if node.op in CONV_OPS:
                for name in _CONV_FIELDS:
                    params[f"n{i}.{name}"] = getattr(node, name)
            # A single input's merge kind changes nothing (canonical forms write "sum").
            single = len(node.inputs) == 1 and node.merge not in merges
            params[f"n{i}.merge"] = merges[0] if single else node.merge
            for j in range(i):
                params[f"n{i}.in{j}"] = int(j in node.inputs)
        params["global_pool"] = dag.global_pool
        return params

    # -- the structured view -------------------------------------------------------------------

    def _new_node(self, op: str, inputs: tuple[int, ...], like: DagNode) -> DagNode:
        """A node running ``op`` on ``inputs``, with ``like``'s settings where the space
        allows them."""
        c = self.config

        def keep(field: str, values: Sequence[Any]) -> Any:
            value = getattr(like, field)
            return value if value in values else values[0]

        merge = keep("merge", c.merges)
        if op not in CONV_OPS:
            return DagNode(op, inputs, merge=merge)
        return DagNode(
            op,
            inputs,
            width=keep("width", c.widths),
            kernel=keep("kernel", c.kernels),
            activation=keep("activation", c.activations),
            norm=keep("norm", c.norms),
            merge=merge,
        )

    def _node_choices(self, node: DagNode, index: int) -> list[DagNode]:
        """Every node one change away from node ``index``: op, attribute, one input edge."""
        c = self.config
        options = [
            self._new_node(op, node.inputs, like=node) for op in unique(c.ops) if op != node.op
        ]
        if node.op in CONV_OPS:
            for name, values in _conv_choices(c).items():
                options += [
                    replace(node, **{name: value})
                    for value in values
                    if value != getattr(node, name)
                ]
        options += [replace(node, merge=m) for m in unique(c.merges) if m != node.merge]
        for j in range(index):
            if j not in node.inputs:
                options.append(replace(node, inputs=(*node.inputs, j)))
            elif len(node.inputs) > 1:
                options.append(replace(node, inputs=tuple(k for k in node.inputs if k != j)))
        return options

    def neighbours(self, genotype: Genotype) -> list[Genotype]:
        dag, c = self._own(genotype), self.config
        nodes = list(dag.nodes)
        result: list[Genotype] = []
        for i, node in enumerate(nodes):
            result += [
                dag.with_nodes([*nodes[:i], new, *nodes[i + 1 :]])
                for new in self._node_choices(node, i + 1)
            ]
        if len(nodes) < c.max_nodes:  # a new last node, reading the old last one
            result += [
                dag.with_nodes([*nodes, self._new_node(op, (len(nodes),), like=nodes[-1])])
                for op in unique(c.ops)
            ]
        if len(nodes) > c.min_nodes:
            result.append(dag.with_nodes(nodes[:-1]))
        result += [replace(dag, stem_width=w) for w in c.stem_widths if w != dag.stem_width]
        result += [
            replace(dag, global_pool=p) for p in unique(c.global_pools) if p != dag.global_pool
        ]
        return result

    def encode(self, genotype: Genotype) -> np.ndarray:
        """The canonical form as a fixed-length vector (M = max_nodes):

        - adjacency, upper triangle over nodes 0..M: for target i in 1..M, source j in 0..i-1
          (target-major), 1 when node i exists and reads j — M (M + 1) / 2 entries;
        - per node slot 1..M: one-hot op over ``["absent", *ops]``, one-hot width, kernel,
          merge (all zero where the slot is absent or the value is not in the space);
        - one-hot stem width, one-hot global pooling.
        """
        c = self.config
        dag = self._own(genotype).canonical()
        if len(dag.nodes) > c.max_nodes:
            raise GenotypeError(
                f"the genotype has {len(dag.nodes)} live nodes; this space holds {c.max_nodes}"
            )
        slots: list[DagNode | None] = [*dag.nodes, *[None] * (c.max_nodes - len(dag.nodes))]
        adjacency = [
            float(node is not None and j in node.inputs)
            for i, node in enumerate(slots, start=1)
            for j in range(i)
        ]
        parts = [np.asarray(adjacency, dtype=np.float32)]
        ops = ["absent", *unique(c.ops)]
        for node in slots:
            parts.append(one_hot(node.op if node else "absent", ops))
            parts.append(one_hot(node.width if node else None, unique(c.widths)))
            parts.append(one_hot(node.kernel if node else None, unique(c.kernels)))
            parts.append(one_hot(node.merge if node else None, unique(c.merges)))
        parts.append(one_hot(dag.stem_width, c.stem_widths))
        parts.append(one_hot(dag.global_pool, unique(c.global_pools)))
        return np.concatenate(parts)

    def canonical(self, genotype: Genotype) -> DagGenotype:
        """Dead nodes removed, nodes renumbered by structure (``DagGenotype.canonical``)."""
        return self._own(genotype).canonical()

    def repair(self, genotype: Genotype, input_shape: Sequence[int]) -> DagGenotype:
        """Refuse tabular inputs; turn a pool into identity where it would pool a map less
        than 2 wide (a window-2 pool would leave nothing)."""
        dag = self._own(genotype)
        if len(input_shape) not in (2, 3):
            raise GenotypeError(
                "the dag space needs sequences (C, L) or images (C, H, W); "
                f"got input_shape {tuple(input_shape)}"
            )
        nodes, depths = [], [0]
        for node in dag.nodes:
            depth = max(depths[j] for j in node.inputs)
            if node.op in POOL_OPS and min(pooled_size(input_shape[1:], depth)) < 2:
                node = DagNode("identity", node.inputs, merge=node.merge)
            nodes.append(node)
            depths.append(depth + (node.op in POOL_OPS))
        return dag.with_nodes(nodes)

    def graph(self, genotype: Genotype) -> dict[str, Any]:
        dag = self._own(genotype)
        live, n = dag.live(), len(dag.nodes)
        labels = [f"input > stem conv 3, {dag.stem_width} ch, batch norm, relu"]
        labels += [
            _node_label(node) + ("" if i in live else " (dead)")
            for i, node in enumerate(dag.nodes, start=1)
        ]
        labels += [f"global {dag.global_pool} pool", "linear"]
        edges = [
            {"source": j, "target": i, "label": node.merge}
            for i, node in enumerate(dag.nodes, start=1)
            for j in node.inputs
        ]
        edges += [{"source": k, "target": k + 1, "label": ""} for k in (n, n + 1)]
        nodes = [{"id": i, "label": label} for i, label in enumerate(labels)]
        return {"kind": "dag", "nodes": nodes, "edges": edges}


def _conv_choices(config: DagSpaceConfig) -> dict[str, list[Any]]:
    """The values each convolution setting can take, in ``_CONV_FIELDS`` order."""
    return {
        "kernel": unique(config.kernels),
        "width": unique(config.widths),
        "activation": unique(config.activations),
        "norm": unique(config.norms),
    }


def _node_label(node: DagNode) -> str:
    if node.op in POOL_OPS:
        return f"{node.op} 2"
    if node.op == "identity":
        return "identity"
    parts = [f"{node.op} {node.kernel}, {node.width} ch"]
    if node.norm != "none":
        parts.append(f"{node.norm} norm")
    parts.append(node.activation)
    return ", ".join(parts)


# TrainingConfig: what ``decode`` returns beside the genotype.
__all__ = ["DagSpace", "DagSpaceConfig", "TrainingConfig", "TrainingSpaceConfig"]
