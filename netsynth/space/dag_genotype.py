"""The genotype of a multi-branch (DAG) network: plain data.

Node 0 is the stem's output (conv 3 + batch norm + ReLU to ``stem_width`` channels). Node
``i`` (1..n) reads a non-empty set of earlier nodes, merges them and applies its op; the last
node feeds the global pooling and the linear classifier. Nodes the last one does not depend
on are dead: they are never built and the canonical form drops them.

Merging (see ``netsynth.nn.dag_net``): inputs are first average-pooled down to the smallest
spatial size among them; ``sum`` projects inputs with fewer channels than the widest one by a
1x1 convolution (no bias) and adds; ``concat`` stacks channels in ascending node order. Convs
keep the spatial size, pools halve it (window 2, stride 2, rounding up), ``identity`` passes
the merged map through.

>>> g = DagGenotype((DagNode("conv", (0,), width=32, kernel=5),
...                  DagNode("maxpool", (1,)),
...                  DagNode("conv", (0, 2), width=32, kernel=3, norm="batch")))
>>> DagGenotype.from_dict(g.to_dict()) == g
True
>>> g.describe()
'stem16 | 1:conv5x32<0 | 2:maxpool<1 | 3:conv3x32-bn<0+2 | gavgp > linear'
>>> len(g.hash())
16
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from typing import Any

from netsynth.space.chain_genotype import ACTIVATIONS, GLOBAL_POOLS, NORMS
from netsynth.space.genotype import GenotypeError, canonical_json, stable_hash

CONV_OPS = ("conv", "sepconv")
POOL_OPS = ("maxpool", "avgpool")
OPS = (*CONV_OPS, *POOL_OPS, "identity")
MERGES = ("sum", "concat")


@dataclass(frozen=True)
class DagNode:
    """One node: ``op`` applied to the merge of the outputs of ``inputs`` (earlier node ids,
    kept sorted). ``width``, ``kernel``, ``activation`` and ``norm`` belong to convolutions;
    pools and identity keep the merged channels and carry none of them."""

    op: str
    inputs: tuple[int, ...]
    width: int = 0
    kernel: int = 0
    activation: str = "relu"
    norm: str = "none"
    merge: str = "sum"

    def __post_init__(self) -> None:
        inputs = tuple(self.inputs)
        if not inputs:
            raise GenotypeError(f"a {self.op} node needs at least one input")
        if any(isinstance(j, bool) or not isinstance(j, int) or j < 0 for j in inputs):
            raise GenotypeError(f"inputs must be node ids >= 0, got {list(inputs)}")
        if len(set(inputs)) != len(inputs):
            raise GenotypeError(f"inputs must be distinct, got {list(inputs)}")
        object.__setattr__(self, "inputs", tuple(sorted(inputs)))
        if self.op not in OPS:
            raise GenotypeError(f"unknown node op {self.op!r}; known: {', '.join(OPS)}")
        if self.merge not in MERGES:
            raise GenotypeError(f"unknown merge {self.merge!r}; known: {', '.join(MERGES)}")
        if self.op not in CONV_OPS:
            # Parameter-free ops carry nothing else, so equal nodes compare equal.
            for name, value in (
                ("width", 0),
                ("kernel", 0),
                ("activation", "relu"),
                ("norm", "none"),
            ):
                object.__setattr__(self, name, value)
            return
        if self.width < 1 or self.kernel < 1:
            raise GenotypeError(
                f"{self.op} needs width >= 1 and kernel >= 1, got {self.width} and {self.kernel}"
            )
        if self.activation not in ACTIVATIONS:
            raise GenotypeError(
                f"unknown activation {self.activation!r}; known: {', '.join(ACTIVATIONS)}"
            )
        if self.norm not in NORMS:
            raise GenotypeError(f"unknown norm {self.norm!r}; known: {', '.join(NORMS)}")

    def describe(self) -> str:
        if self.op in CONV_OPS:
            text = f"{self.op}{self.kernel}x{self.width}"
            if self.norm != "none":
                text += f"-{self.norm[0]}n"
            return text if self.activation == "relu" else f"{text}-{self.activation}"
        return self.op


@dataclass(frozen=True)
class DagGenotype:
    """Nodes 1..n (``nodes[i - 1]`` is node ``i``), the stem width and the global pooling."""

    nodes: tuple[DagNode, ...]
    stem_width: int = 16
    global_pool: str = "avg"

    def __post_init__(self) -> None:
        object.__setattr__(self, "nodes", tuple(self.nodes))
        if not self.nodes:
            raise GenotypeError("a dag genotype needs at least one node")
        for i, node in enumerate(self.nodes, start=1):
            if max(node.inputs) >= i:
                raise GenotypeError(
                    f"node {i} reads {list(node.inputs)}; a node may read only earlier nodes "
                    f"(0..{i - 1})"
                )
        if self.stem_width < 1:
            raise GenotypeError(f"stem_width must be >= 1, got {self.stem_width}")
        if self.global_pool not in GLOBAL_POOLS:
            raise GenotypeError(
                f"unknown global pool {self.global_pool!r}; known: {', '.join(GLOBAL_POOLS)}"
            )

    # -- plain data ------------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        nodes = [{**asdict(node), "inputs": list(node.inputs)} for node in self.nodes]
        return {
            "space": "dag",
            "nodes": nodes,
            "stem_width": self.stem_width,
            "global_pool": self.global_pool,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DagGenotype:
        if data.get("space") != "dag":
            raise GenotypeError(f"not a dag genotype: space={data.get('space')!r}")
        try:
            nodes = tuple(
                DagNode(**{**node, "inputs": tuple(node["inputs"])}) for node in data["nodes"]
            )
            return cls(nodes, data.get("stem_width", 16), data.get("global_pool", "avg"))
        except (KeyError, TypeError) as exc:
            raise GenotypeError(f"bad dag genotype description: {exc!r}") from None

    def to_json(self) -> str:
        """Canonical JSON of this genotype as given: sorted keys, no spaces."""
        return canonical_json(self.to_dict())

    def hash(self) -> str:
        """A stable 16-hex-digit id of the canonical form: equivalent genotypes (dead nodes,
        another numbering of the same graph) hash equal."""
        return stable_hash(self.canonical().to_dict())

    def describe(self) -> str:
        """One line, e.g. ``stem16 | 1:conv5x32<0 | 2:maxpool<1 | 3:conv3x32<0+2 | gavgp >
        linear``: ``+`` joins summed inputs, ``&`` concatenated ones."""
        parts = [f"stem{self.stem_width}"]
        for i, node in enumerate(self.nodes, start=1):
            joiner = "+" if node.merge == "sum" else "&"
            parts.append(f"{i}:{node.describe()}<{joiner.join(map(str, node.inputs))}")
        return " | ".join([*parts, f"g{self.global_pool}p > linear"])

    def with_nodes(self, nodes: Sequence[DagNode]) -> DagGenotype:
        return replace(self, nodes=tuple(nodes))

    # -- structure ---------------------------------------------------------------------------

    def live(self) -> frozenset[int]:
        """The ids of the nodes the output depends on (node 0 and the last node included)."""
        live = {len(self.nodes)}
        for i in range(len(self.nodes), 0, -1):
            if i in live:
                live.update(self.nodes[i - 1].inputs)
        return frozenset(live)

    def pool_depths(self) -> list[int]:
        """How many pools lie between the input and each node's output (ids 0..n): a node's
        merged inputs are brought down to the deepest of them."""
        depths = [0]
        for node in self.nodes:
            depth = max(depths[j] for j in node.inputs)
            depths.append(depth + (node.op in POOL_OPS))
        return depths

    def canonical(self) -> DagGenotype:
        """Dead nodes dropped, the rest renumbered in an order that depends on structure only.

        A node's colour starts as its recursive structural hash (its attributes and the sorted
        hashes of its inputs), then is refined with the colours of its consumers until the
        partition is stable. Nodes are numbered in topological order, the smallest colour
        first among those whose inputs are numbered; when several ready nodes share the
        smallest colour, the first is singled out and the colours refined again. Merge kinds
        of single-input nodes are irrelevant and become ``sum``. Isomorphic graphs therefore
        get one form, except for highly regular graphs that colour refinement cannot tell
        apart (where the form stays valid but may not be unique).
        """
        live = sorted(self.live() - {0})
        nodes = {
            i: replace(node, merge="sum") if len(node.inputs) == 1 else node
            for i, node in ((i, self.nodes[i - 1]) for i in live)
        }
        consumers: dict[int, list[int]] = {i: [] for i in (0, *live)}
        for i, node in nodes.items():
            for j in node.inputs:
                consumers[j].append(i)
        colour = {0: "input"}
        for i in live:  # ascending ids: inputs first
            attributes = {**asdict(nodes[i]), "inputs": sorted(colour[j] for j in nodes[i].inputs)}
            colour[i] = stable_hash(attributes)
        colour = _refine(colour, nodes, consumers)
        number = {0: 0}
        while len(number) <= len(live):
            ready = [
                i for i in live if i not in number and all(j in number for j in nodes[i].inputs)
            ]
            smallest = min(colour[i] for i in ready)
            tied = [i for i in ready if colour[i] == smallest]
            number[tied[0]] = len(number)
            if len(tied) > 1:
                colour[tied[0]] = stable_hash([smallest, "numbered", number[tied[0]]])
                colour = _refine(colour, nodes, consumers)
        order = sorted(live, key=number.__getitem__)
        renumbered = [
            replace(nodes[i], inputs=tuple(number[j] for j in nodes[i].inputs)) for i in order
        ]
        return self.with_nodes(renumbered)


def pooled_size(spatial: Sequence[int], pools: int) -> tuple[int, ...]:
    """The spatial size after ``pools`` halvings (window 2, stride 2, rounding up)."""
    size = tuple(spatial)
    for _ in range(pools):
        size = tuple(-(-s // 2) for s in size)
    return size


def _refine(
    colour: dict[int, str], nodes: dict[int, DagNode], consumers: dict[int, list[int]]
) -> dict[int, str]:
    """Colour refinement over inputs and consumers until the number of colours stops growing."""
    while True:
        refined = {
            i: stable_hash(
                [
                    colour[i],
                    sorted(colour[j] for j in (nodes[i].inputs if i else ())),
                    sorted(colour[k] for k in consumers[i]),
                ]
            )
            for i in colour
        }
        if len(set(refined.values())) == len(set(colour.values())):
            return colour
        colour = refined
