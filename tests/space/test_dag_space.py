"""The DAG space: samples and mutations are valid, round-trip through JSON and the flat view,
build and train on sequences and images; canonical forms are unique per graph up to
numbering and dead nodes; mutations change one thing; encodings have one length; repair and
bad configurations and genotypes fail as documented."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from typing import Any

import numpy as np
import pytest
import torch
from pydantic import ValidationError

from netsynth.nn import build
from netsynth.space.architecture_space import make_architecture_space
from netsynth.space.dag_genotype import CONV_OPS, DagGenotype, DagNode
from netsynth.space.dag_space import DagSpace, DagSpaceConfig
from netsynth.space.genotype import GenotypeError
from netsynth.space.space_kinds import genotype_from_dict

# Every op, activation, norm, merge and pool, but small widths so that hundreds of nets stay
# cheap.
SMALL = DagSpaceConfig(
    min_nodes=1,
    max_nodes=6,
    ops=["conv", "sepconv", "maxpool", "avgpool", "identity"],
    kernels=[1, 3],
    widths=[4, 8],
    activations=["relu", "gelu", "silu", "elu", "tanh"],
    norms=["none", "batch", "layer"],
    merges=["sum", "concat"],
    stem_width=[4, 8],
    global_pools=["avg", "max"],
)
SHAPES = {"sequence": (1, 32), "image": (3, 16, 16)}

# Tiny nets train far faster on one thread than on two (thread overhead dominates).
pytestmark = pytest.mark.usefixtures("one_torch_thread")


def conv(inputs: tuple[int, ...], width: int = 8, kernel: int = 3, merge: str = "sum") -> DagNode:
    return DagNode("conv", inputs, width=width, kernel=kernel, merge=merge)


def samples(space: DagSpace, seed: int, n: int) -> list[dict[str, Any]]:
    rng = np.random.default_rng(seed)
    return [space.flat().sample(rng) for _ in range(n)]


def changes(a: DagGenotype, b: DagGenotype) -> list[str]:
    """The single changes that turn ``a`` into ``b`` (an op change counts once)."""
    found = [name for name in ("stem_width", "global_pool") if getattr(a, name) != getattr(b, name)]
    if len(a.nodes) != len(b.nodes):
        short, long = sorted((a.nodes, b.nodes), key=len)
        assert len(long) == len(short) + 1 and long[:-1] == short
        return [*found, "add node" if long is b.nodes else "remove node"]
    for i, (x, y) in enumerate(zip(a.nodes, b.nodes, strict=True), start=1):
        if x.op != y.op:
            found.append(f"n{i}.op")
            continue
        for name in ("width", "kernel", "activation", "norm", "merge"):
            if getattr(x, name) != getattr(y, name):
                found.append(f"n{i}.{name}")
        found += [f"n{i}.in{j}+" for j in set(y.inputs) - set(x.inputs)]
        found += [f"n{i}.in{j}-" for j in set(x.inputs) - set(y.inputs)]
    return found


def relabel(genotype: DagGenotype, rng: np.random.Generator, dead: int = 0) -> DagGenotype:
    """The same network with ``dead`` unused nodes added and the nodes renumbered in a random
    topological order (the last node stays last)."""
    nodes = list(genotype.nodes)
    last = nodes.pop()
    for _ in range(dead):
        reads = tuple(j for j in range(len(nodes) + 1) if rng.random() < 0.5) or (0,)
        nodes.append(DagNode("maxpool", reads) if rng.random() < 0.5 else conv(reads, width=4))
    nodes.append(last)  # reads only ids below its old one: unchanged
    number, order = {0: 0}, []
    while len(order) < len(nodes) - 1:
        ready = [
            i
            for i in range(1, len(nodes))
            if i not in number and all(j in number for j in nodes[i - 1].inputs)
        ]
        pick = ready[int(rng.integers(len(ready)))]
        number[pick] = len(number)
        order.append(pick)
    order.append(len(nodes))
    number[len(nodes)] = len(nodes)
    renumbered = [
        replace(nodes[i - 1], inputs=tuple(number[j] for j in nodes[i - 1].inputs)) for i in order
    ]
    return genotype.with_nodes(renumbered)


def test_samples_validate_and_round_trip_through_json_and_the_flat_view() -> None:
    space = DagSpace(SMALL)
    defaulted = 0
    for params in samples(space, seed=0, n=1000):
        space.flat().validate(params)
        genotype, training = space.decode(params)
        assert len(genotype.nodes) == params["nodes"]
        copy = DagGenotype.from_dict(json.loads(genotype.to_json()))
        assert copy == genotype and copy.hash() == genotype.hash()
        assert genotype_from_dict(genotype.to_dict()) == genotype
        again = space.params_of(genotype, training)
        assert space.decode(again) == (genotype, training)
        # Only a node without input bits may differ: params_of writes its default edge.
        differ = {k for k in set(params) | set(again) if params.get(k) != again.get(k)}
        for key in differ:
            i = int(key.split(".")[0][1:])
            assert key == f"n{i}.in{i - 1}" and params[key] == 0 and again[key] == 1, key
            assert not any(params[f"n{i}.in{j}"] for j in range(i)), key
            defaulted += 1
    assert defaulted > 50  # the default edge really was exercised


def test_mutations_change_one_thing_and_stay_valid() -> None:
    space = DagSpace(SMALL)
    rng = np.random.default_rng(1)
    genotype = space.sample(rng)
    seen: set[str] = set()
    for step in range(1000):
        if step % 50 == 0:
            genotype = space.sample(rng)
        child = space.mutate(genotype, rng)
        assert isinstance(child, DagGenotype)
        found = changes(genotype, child)
        assert len(found) == 1, (genotype.describe(), child.describe(), found)
        seen.add(re.sub(r"\d+", "", found[0].split(".")[-1]))
        assert all(node.inputs for node in child.nodes)
        assert DagGenotype.from_dict(json.loads(child.to_json())) == child
        training = space.decode(space.flat().sample(rng))[1]
        assert space.decode(space.params_of(child, training))[0] == child
        genotype = child
    expected = {"op", "width", "kernel", "activation", "norm", "merge", "in+", "in-"}
    assert expected | {"add node", "remove node", "stem_width", "global_pool"} == seen


def test_neighbours_are_distinct_single_changes_in_the_space() -> None:
    space = DagSpace(SMALL)
    rng = np.random.default_rng(2)
    training = space.decode(space.flat().sample(rng))[1]
    for _ in range(20):
        genotype = space.sample(rng)
        options = space.neighbours(genotype)
        assert len({json.dumps(g.to_dict(), sort_keys=True) for g in options}) == len(options)
        for option in options:
            assert isinstance(option, DagGenotype)
            assert len(changes(genotype, option)) == 1
            space.params_of(option, training)  # raises unless in the space


def test_last_node_cannot_be_removed_below_min_nodes_nor_added_beyond_max() -> None:
    space = DagSpace(DagSpaceConfig(min_nodes=2, max_nodes=2, ops=["conv"], widths=[4]))
    genotype = DagGenotype((conv((0,)), conv((1,))))
    for option in space.neighbours(genotype):
        assert isinstance(option, DagGenotype) and len(option.nodes) == 2


@pytest.mark.parametrize(
    ("shape", "n"), [(SHAPES["sequence"], 200), (SHAPES["image"], 200), ((2, 2, 3), 100)]
)
def test_samples_repair_build_and_train(shape: tuple[int, ...], n: int) -> None:
    space = DagSpace(SMALL)
    torch.manual_seed(0)
    repaired = 0
    for params in samples(space, seed=sum(shape), n=n):
        genotype = space.repair(space.decode(params)[0], shape)
        repaired += genotype != space.decode(params)[0]
        net = build(genotype, shape, 3)
        net.train()
        logits = net(torch.randn(2, *shape))
        assert logits.shape == (2, 3), genotype.describe()
        assert torch.isfinite(logits).all(), genotype.describe()
        logits.square().sum().backward()
        for name, parameter in net.named_parameters():
            assert parameter.grad is not None, f"{genotype.describe()}: no gradient for {name}"
    if min(shape[1:]) < 4:
        assert repaired > 10  # tiny maps: repair really was needed, and its results built


@pytest.mark.parametrize("kind", list(SHAPES))
def test_a_pure_chain_decodes_from_unset_input_bits_and_builds(kind: str) -> None:
    space = DagSpace(SMALL)
    params = space.flat().sample(np.random.default_rng(4))
    params = {k: 0 if ".in" in k else v for k, v in params.items()}
    genotype = space.decode(params)[0]
    assert [node.inputs for node in genotype.nodes] == [(i,) for i in range(len(genotype.nodes))]
    assert genotype.live() == set(range(len(genotype.nodes) + 1))
    shape = SHAPES[kind]
    net = build(space.repair(genotype, shape), shape, 4)
    net(torch.randn(2, *shape)).sum().backward()


def test_canonical_is_idempotent_live_and_keeps_the_hash() -> None:
    space = DagSpace(SMALL)
    for params in samples(space, seed=5, n=300):
        genotype = space.decode(params)[0]
        canonical = space.canonical(genotype)
        assert space.canonical(canonical) == canonical
        assert canonical.hash() == genotype.hash()
        assert canonical.live() == set(range(len(canonical.nodes) + 1))


# One kind of node: graphs full of look-alike nodes that only their wiring tells apart.
UNIFORM = DagSpaceConfig(
    min_nodes=1, max_nodes=7, ops=["conv"], kernels=[3], widths=[4], norms=["none"], merges=["sum"]
)


@pytest.mark.parametrize("config", [SMALL, UNIFORM], ids=["small", "uniform"])
def test_renumbered_graphs_with_dead_nodes_have_one_canonical_form(config: DagSpaceConfig) -> None:
    space = DagSpace(config)
    rng = np.random.default_rng(6)
    for params in samples(space, seed=6, n=300):
        genotype = space.decode(params)[0]
        other = relabel(genotype, rng, dead=int(rng.integers(3)))
        assert space.canonical(other) == space.canonical(genotype)
        assert other.hash() == genotype.hash()
        assert np.array_equal(space.encode(other), space.encode(genotype))


def test_known_equivalent_graphs_hash_equal() -> None:
    branches = DagGenotype((conv((0,), kernel=3), conv((0,), kernel=5), conv((1, 2))))
    swapped = DagGenotype((conv((0,), kernel=5), conv((0,), kernel=3), conv((1, 2))))
    with_dead = DagGenotype(
        (conv((0,), kernel=3), DagNode("maxpool", (1,)), conv((0,), kernel=5), conv((1, 3)))
    )
    assert branches != swapped
    assert branches.hash() == swapped.hash() == with_dead.hash()
    assert branches.canonical() == swapped.canonical() == with_dead.canonical()
    # Twin branches told apart only by what reads them: c and d follow a and b, or b and a.
    a, b = conv((0,)), conv((0,))
    one = DagGenotype((a, b, conv((1,), kernel=5), conv((2,), kernel=1), conv((3, 4))))
    two = DagGenotype((a, b, conv((2,), kernel=5), conv((1,), kernel=1), conv((3, 4))))
    assert one.hash() == two.hash()
    # Two symmetric halves: numbering one twin first must decide which of the next twins
    # follows it.
    # (Several variants: whether it matters depends on how the node hashes happen to sort.)
    for kernel in (1, 5, 7, 9):
        for width in (4, 16):
            c, d = conv((1,), width, kernel), conv((2,), width, kernel)
            one = DagGenotype((a, b, c, d, conv((3, 4))))
            two = DagGenotype((a, b, d, c, conv((3, 4))))
            assert one.canonical() == two.canonical(), (kernel, width)
    # The merge kind of a single input changes nothing.
    assert DagGenotype((conv((0,), merge="concat"),)).hash() == DagGenotype((conv((0,)),)).hash()


@pytest.mark.parametrize(
    "different",
    [
        DagGenotype((conv((0,), kernel=3), conv((0,), kernel=5), conv((1, 2), merge="concat"))),
        DagGenotype((conv((0,), kernel=3), conv((0,), kernel=5), conv((0, 1, 2)))),
        DagGenotype((conv((0,), kernel=3), conv((1,), kernel=5), conv((1, 2)))),
        DagGenotype((conv((0,), kernel=3), conv((0,), kernel=5), conv((1, 2), width=4))),
        DagGenotype((conv((0,), kernel=3), conv((0,), kernel=5), conv((1, 2))), stem_width=8),
    ],
    ids=["concat", "extra-edge", "chained", "width", "stem"],
)
def test_a_different_graph_hashes_differently(different: DagGenotype) -> None:
    branches = DagGenotype((conv((0,), kernel=3), conv((0,), kernel=5), conv((1, 2))))
    assert different.hash() != branches.hash()
    assert different.canonical() != branches.canonical()


def test_distinct_canonical_forms_never_share_a_hash() -> None:
    space = DagSpace(SMALL)
    by_hash: dict[str, set[str]] = {}
    for params in samples(space, seed=7, n=500):
        genotype = space.decode(params)[0]
        by_hash.setdefault(genotype.hash(), set()).add(genotype.canonical().to_json())
    assert all(len(forms) == 1 for forms in by_hash.values())
    assert len(by_hash) > 400


def test_encode_has_one_length_and_the_documented_layout() -> None:
    space = DagSpace(SMALL)
    m = SMALL.max_nodes
    per_slot = 1 + len(SMALL.ops) + len(SMALL.widths) + len(SMALL.kernels) + len(SMALL.merges)
    length = m * (m + 1) // 2 + m * per_slot + 2 + 2
    rng = np.random.default_rng(8)
    for _ in range(200):
        genotype = space.sample(rng)
        for g in (genotype, space.mutate(genotype, rng)):
            vector = space.encode(g)
            assert vector.shape == (length,) and set(np.unique(vector)) <= {0.0, 1.0}
    chain = DagGenotype((conv((0,)), DagNode("maxpool", (0, 1), merge="concat")), stem_width=4)
    vector = space.encode(chain)
    assert vector[:3].tolist() == [1.0, 1.0, 1.0]  # node 1 reads 0; node 2 reads 0 and 1
    assert vector[3 : m * (m + 1) // 2].sum() == 0
    slot2 = vector[m * (m + 1) // 2 + per_slot :][:per_slot]
    # absent conv sepconv MAXPOOL avgpool identity | no width | no kernel | sum CONCAT
    assert slot2.tolist() == [0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1]


def test_flat_view_conditions_follow_node_count_and_op() -> None:
    space = DagSpace(DagSpaceConfig(min_nodes=2, max_nodes=4, norms=["batch", "none"]))
    flat = space.flat()
    assert "n1.op" not in flat.conditions and "n2.in1" not in flat.conditions
    assert flat.conditions["n3.op"] == flat.conditions["n3.in2"]
    assert set(flat.conditions["n3.op"].values) == {3, 4}
    seen = set()
    for params in samples(space, seed=9, n=300):
        nodes = params["nodes"]
        assert isinstance(nodes, int)
        seen.add(nodes)
        for i in range(1, 5):
            keys = {key for key in params if key.startswith(f"n{i}.")}
            if i > nodes:
                assert not keys
                continue
            assert {f"n{i}.in{j}" for j in range(i)} | {f"n{i}.op", f"n{i}.merge"} <= keys
            is_conv = params[f"n{i}.op"] in CONV_OPS
            for name in ("width", "kernel", "activation", "norm"):
                assert (f"n{i}.{name}" in params) == is_conv, params
    assert seen == {2, 3, 4}


def test_fixed_settings_stay_out_of_the_flat_view_and_merge_of_one_input_is_free() -> None:
    config = DagSpaceConfig(
        min_nodes=2, max_nodes=2, ops=["conv"], kernels=[3], widths=[4], activations=["relu"]
    )
    space = DagSpace(config.model_copy(update={"norms": ["none"], "merges": ["concat"]}))
    assert {name for name in space.flat() if name.startswith("n")} == {
        "n1.in0",
        "n2.in0",
        "n2.in1",
    }
    genotype = DagGenotype((conv((0,), width=4, merge="concat"), conv((1,), width=4)))
    training = space.decode(space.flat().sample(np.random.default_rng(0)))[1]
    # The canonical form writes "sum" for single inputs; a concat-only space still takes it.
    params = space.params_of(genotype.canonical(), training)
    assert space.decode(params)[0].hash() == genotype.hash()


def test_repair_refuses_tables_and_turns_pools_on_tiny_maps_into_identity() -> None:
    space = DagSpace(SMALL)
    genotype = DagGenotype(
        (DagNode("maxpool", (0,)), DagNode("avgpool", (1,)), DagNode("maxpool", (0, 2)))
    )
    with pytest.raises(GenotypeError, match=r"sequences .* or images"):
        space.repair(genotype, (13,))
    assert space.repair(genotype, (1, 8)) == genotype
    repaired = space.repair(genotype, (1, 4))  # 4 -> 2 -> 1: the third pool meets 1
    assert [node.op for node in repaired.nodes] == ["maxpool", "avgpool", "identity"]
    assert repaired.nodes[2].inputs == (0, 2)
    build(repaired, (1, 4), 2)(torch.randn(2, 1, 4))
    with pytest.raises(GenotypeError, match="repair"):
        build(genotype, (1, 4), 2)
    tiny = space.repair(genotype, (3, 1, 9))
    assert {node.op for node in tiny.nodes} == {"identity"}
    build(tiny, (3, 1, 9), 2)(torch.randn(2, 3, 1, 9))


def test_graph_lists_nodes_and_labelled_edges() -> None:
    space = DagSpace(SMALL)
    genotype = DagGenotype(
        (conv((0,)), DagNode("maxpool", (0,)), conv((0, 1), merge="concat")), stem_width=4
    )
    graph = space.graph(genotype)
    assert graph["kind"] == "dag"
    assert [node["id"] for node in graph["nodes"]] == [0, 1, 2, 3, 4, 5]
    assert "dead" in graph["nodes"][2]["label"] and "dead" not in graph["nodes"][1]["label"]
    edges = {(e["source"], e["target"]): e["label"] for e in graph["edges"]}
    assert edges == {(0, 1): "sum", (0, 2): "sum", (0, 3): "concat", (1, 3): "concat"} | {
        (3, 4): "",
        (4, 5): "",
    }


def test_space_round_trips_through_its_dict_and_the_registry() -> None:
    space = make_architecture_space({"type": "dag", **SMALL.model_dump(exclude={"type"})})
    assert isinstance(space, DagSpace)
    copy = DagSpace.from_dict(json.loads(json.dumps(space.to_dict())))
    assert copy.config == SMALL and copy.flat() == space.flat()
    genotype = space.sample(np.random.default_rng(10))
    assert space.genotype_from_dict(genotype.to_dict()) == genotype


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"min_nodes": 0}, "min_nodes"),
        ({"max_nodes": 0}, "max_nodes"),
        ({"min_nodes": 5, "max_nodes": 3}, "min_nodes"),
        ({"ops": ["conv", "attention"]}, "ops"),
        ({"ops": []}, "ops"),
        ({"merges": ["product"]}, "merges"),
        ({"widths": [0, 8]}, "widths"),
        ({"kernels": [-1]}, "kernels"),
        ({"stem_width": 0}, "stem_width"),
        ({"stem_width": []}, "stem_width"),
        ({"type": "chain"}, "type"),
        ({"colour": "blue"}, "colour"),
    ],
    ids=lambda value: json.dumps(value),
)
def test_bad_config_is_a_validation_error_naming_the_field(
    config: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        DagSpaceConfig.model_validate(config)


@pytest.mark.parametrize(
    ("nodes", "message"),
    [
        ([], "at least one node"),
        ([{"op": "conv", "inputs": [1], "width": 4, "kernel": 3}], "earlier nodes"),
        ([{"op": "identity", "inputs": []}], "at least one input"),
        ([{"op": "identity", "inputs": [0, 0]}], "distinct"),
        ([{"op": "identity", "inputs": [-1]}], "node ids"),
        ([{"op": "attention", "inputs": [0]}], "unknown node op"),
        ([{"op": "identity", "inputs": [0], "merge": "max"}], "unknown merge"),
        ([{"op": "conv", "inputs": [0]}], "width >= 1"),
        ([{"op": "conv", "inputs": [0], "width": 4, "kernel": 3, "norm": "group"}], "norm"),
        ([{"op": "identity"}], "bad dag genotype"),
    ],
)
def test_bad_genotypes_are_genotype_errors(nodes: list[dict[str, Any]], message: str) -> None:
    with pytest.raises(GenotypeError, match=message):
        genotype_from_dict({"space": "dag", "nodes": nodes})
