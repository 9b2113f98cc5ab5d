"""The NAS-Bench-201 space: canonical forms over all 5**6 cells (idempotent, sound against a
symbolic reading of the cell, exact class count), the flat view and its round trip, mutation and
neighbours, the encoding's layout, JSON and NB201-string round trips, repair's refusals, the
configuration's validation."""

from __future__ import annotations

import hashlib
import itertools
import json
from collections import defaultdict
from typing import Any

import numpy as np
import pytest
from pydantic import ValidationError

from netsynth.space.architecture_space import make_architecture_space
from netsynth.space.genotype import GenotypeError
from netsynth.space.nb201_genotype import EDGES, OPS, NB201Genotype, canonical_ops
from netsynth.space.nb201_space import NB201Space, NB201SpaceConfig
from netsynth.space.space_kinds import genotype_from_dict

ALL_CELLS = list(itertools.product(OPS, repeat=6))
SUBSET = NB201SpaceConfig(ops=["avg_pool_3x3", "none", "conv_3x3"])  # out of standard order

# The distinct canonical forms among the 15625 cells. NAS-Bench-201 reports 6466 unique cells,
# counted by its `to_unique_str(consider_zero=True)` (reproduced below in `nb201_unique_str`,
# which gives 6466 here too). Its count is lower because it also reads skip_connect as the
# identity, so that a skip followed by a conv equals the conv alone and sums of equal terms
# merge whatever route they took; our rules (dead edges, all-none, node 1/2 swap) merge only
# cells that are the same graph once dead edges are dropped. Reading skip as identity, our
# classes are exact: `symbolic` below never splits one of them, and without skip_connect the
# classes and the symbolic functions coincide (1948 of each).
CANONICAL_CLASSES = 8765


def symbolic(ops: tuple[str, ...]) -> tuple[Any, ...]:
    """The output of a cell as an expression: a sorted multiset of terms, a term being the
    input ``("x",)`` or ``(op, node)``; ``none`` and anything applied to zero drop out, and a
    skip contributes its source's terms."""
    nodes: list[tuple[Any, ...]] = [(("x",),)]
    for j in range(1, 4):
        terms: list[Any] = []
        for (i, target), op in zip(EDGES, ops, strict=True):
            if target != j or op == "none" or not nodes[i]:
                continue
            terms += list(nodes[i]) if op == "skip_connect" else [(op, nodes[i])]
        nodes.append(tuple(sorted(terms, key=repr)))
    return nodes[3]


def nb201_unique_str(ops: tuple[str, ...]) -> str:
    """NAS-Bench-201's ``CellStructure.to_unique_str(consider_zero=True)``."""
    nodes = {0: "0"}
    for j in range(1, 4):
        terms = []
        for (i, target), op in zip(EDGES, ops, strict=True):
            if target != j:
                continue
            if op == "none" or nodes[i] == "#":
                terms.append("#")
            elif op == "skip_connect":
                terms.append(nodes[i])
            else:
                terms.append(f"({nodes[i]})@{op}")
        nodes[j] = "+".join(sorted(terms))
    return nodes[3]


def cell(*ops: str) -> NB201Genotype:
    return NB201Genotype(ops)


# -- canonical forms ---------------------------------------------------------------------------


def test_canonical_is_idempotent_and_hashes_give_the_exact_class_count() -> None:
    space = NB201Space()
    genotypes = space.all_genotypes()
    assert len(genotypes) == 5**6
    hashes = set()
    for genotype in genotypes:
        canonical = space.canonical(genotype)
        assert space.canonical(canonical) == canonical
        assert canonical.hash() == genotype.hash()
        hashes.add(genotype.hash())
    assert len({space.canonical(g) for g in genotypes}) == CANONICAL_CLASSES
    assert len(hashes) == CANONICAL_CLASSES
    assert len({nb201_unique_str(ops) for ops in ALL_CELLS}) == 6466  # the paper's count


def test_canonical_never_merges_different_functions_and_is_exact_without_skips() -> None:
    functions: dict[tuple[str, ...], set[Any]] = defaultdict(set)
    for ops in ALL_CELLS:
        functions[canonical_ops(ops)].add(symbolic(ops))
    assert all(len(f) == 1 for f in functions.values())
    assert len({symbolic(ops) for ops in ALL_CELLS}) == 4930  # fewer: skips read as identity
    no_skip = list(itertools.product([op for op in OPS if op != "skip_connect"], repeat=6))
    assert len({canonical_ops(ops) for ops in no_skip}) == 1948
    assert len({symbolic(ops) for ops in no_skip}) == 1948


def test_a_cell_whose_only_path_runs_through_none_hashes_like_all_none() -> None:
    # 0 -conv-> 1 -none-> 3 and 0 -none-> 2 -conv-> 3: no input -> output path.
    blocked = cell("conv_3x3", "none", "none", "none", "none", "conv_1x1")
    assert blocked.canonical().ops == ("none",) * 6
    assert blocked.hash() == cell(*("none",) * 6).hash()
    assert blocked.hash() != cell("conv_3x3", "none", "none", "none", "skip_connect", "none").hash()


def test_swapping_nodes_1_and_2_gives_the_same_hash_only_without_edge_1_2() -> None:
    a = cell("conv_3x3", "avg_pool_3x3", "none", "skip_connect", "conv_1x1", "skip_connect")
    b = cell("avg_pool_3x3", "conv_3x3", "none", "skip_connect", "skip_connect", "conv_1x1")
    assert a != b
    assert a.hash() == b.hash()
    assert a.canonical() == b.canonical() == min(a, b, key=lambda g: g.ops)
    # With an op on (1,2), node 2 depends on node 1: the swapped cells differ.
    a2 = cell("conv_3x3", "avg_pool_3x3", "conv_1x1", "skip_connect", "conv_1x1", "skip_connect")
    b2 = cell("avg_pool_3x3", "conv_3x3", "conv_1x1", "skip_connect", "skip_connect", "conv_1x1")
    assert a2.hash() != b2.hash()


def test_dead_edges_become_none() -> None:
    # Node 1 is a dead end ((1,2) and (1,3) are none): edge (0,1) does nothing.
    dead_end = cell("conv_3x3", "skip_connect", "none", "avg_pool_3x3", "none", "conv_1x1")
    # Node 1 is never reached ((0,1) is none): edges (1,2) and (1,3) see only zeros.
    unreached = cell("none", "skip_connect", "conv_3x3", "avg_pool_3x3", "conv_1x1", "conv_1x1")
    # Both leave 0 -skip-> 2 -conv_1x1-> 3 and 0 -pool-> 3; of the node 1/2 swaps, this one
    # is lexicographically smaller ("none" < "skip_connect" on edge (0,1)).
    expected = ("none", "skip_connect", "none", "avg_pool_3x3", "none", "conv_1x1")
    assert dead_end.canonical().ops == expected
    assert unreached.canonical().ops == expected
    assert dead_end.hash() == unreached.hash()


def test_canonical_stays_in_a_subset_space() -> None:
    space = NB201Space(SUBSET)
    allowed = set(SUBSET.ops)
    for genotype in space.all_genotypes():
        assert set(space.canonical(genotype).ops) <= allowed


# -- flat view, sampling, mutation ----------------------------------------------------------


def test_flat_view_has_one_categorical_per_edge_then_training() -> None:
    space = NB201Space()
    names = list(space.flat())
    assert names[:6] == [f"e{k}" for k in range(6)]
    assert space.flat()["e0"].to_dict()["choices"] == list(OPS)
    assert "lr" in names and "init_channels" not in names


def test_decode_and_params_of_round_trip() -> None:
    for config in (NB201SpaceConfig(), SUBSET):
        space = NB201Space(config)
        rng = np.random.default_rng(1)
        for _ in range(300):
            params = space.flat().sample(rng)
            genotype, training = space.decode(params)
            assert genotype.ops == tuple(params[f"e{k}"] for k in range(6))
            assert (genotype.init_channels, genotype.cells_per_stage) == (16, 5)
            assert space.params_of(genotype, training) == params


def test_a_single_op_leaves_the_edges_out_of_the_flat_view() -> None:
    space = NB201Space(NB201SpaceConfig(ops=["conv_3x3"], training={"optimizer": "sgd"}))
    assert not any(name.startswith("e") for name in space.flat())
    params = space.flat().sample(np.random.default_rng(0))
    genotype, training = space.decode(params)
    assert genotype.ops == ("conv_3x3",) * 6
    assert space.params_of(genotype, training) == params
    assert space.neighbours(genotype) == []
    assert space.mutate(genotype, np.random.default_rng(0)) == genotype


def test_params_of_refuses_genotypes_of_another_space() -> None:
    space = NB201Space(SUBSET)
    _, training = space.decode(space.flat().sample(np.random.default_rng(0)))
    with pytest.raises(GenotypeError, match=r"e1='skip_connect' is not in this space"):
        space.params_of(cell("none", "skip_connect", *("none",) * 4), training)
    with pytest.raises(GenotypeError, match="init_channels=8"):
        space.params_of(NB201Genotype(("none",) * 6, init_channels=8), training)


@pytest.mark.parametrize("config", [NB201SpaceConfig(), SUBSET], ids=["all-ops", "subset"])
def test_mutate_changes_exactly_one_edge_within_the_space(config: NB201SpaceConfig) -> None:
    space = NB201Space(config)
    rng = np.random.default_rng(2)
    genotype = space.sample(rng)
    edges_changed = set()
    for _ in range(500):
        child = space.mutate(genotype, rng)
        assert isinstance(child, NB201Genotype)
        changed = [k for k in range(6) if child.ops[k] != genotype.ops[k]]
        assert len(changed) == 1
        assert set(child.ops) <= set(config.ops)
        assert (child.init_channels, child.cells_per_stage) == (16, 5)
        edges_changed.add(changed[0])
        genotype = child
    assert edges_changed == set(range(6))


@pytest.mark.parametrize("config", [NB201SpaceConfig(), SUBSET], ids=["all-ops", "subset"])
def test_neighbours_are_every_single_edge_change(config: NB201SpaceConfig) -> None:
    space = NB201Space(config)
    genotype = space.sample(np.random.default_rng(3))
    neighbours = space.neighbours(genotype)
    assert len(neighbours) == 6 * (len(config.ops) - 1)
    assert len(set(neighbours)) == len(neighbours)
    for neighbour in neighbours:
        assert isinstance(neighbour, NB201Genotype)
        assert sum(a != b for a, b in zip(neighbour.ops, genotype.ops, strict=True)) == 1
        assert set(neighbour.ops) <= set(config.ops)


# -- encoding --------------------------------------------------------------------------------


def test_encoding_layout_and_path_bits() -> None:
    space = NB201Space()
    # e0=conv_3x3 e1=skip e2=none e3=avg_pool e4=conv_1x1 e5=conv_3x3
    genotype = cell("conv_3x3", "skip_connect", "none", "avg_pool_3x3", "conv_1x1", "conv_3x3")
    vector = space.encode(genotype)
    assert vector.shape == (6 * 5 + 4 + 16 + 16 + 64,)
    # Edge one-hots, OPS order: none 0, skip 1, conv_1x1 2, conv_3x3 3, avg_pool 4.
    assert np.flatnonzero(vector[:30]).tolist() == [0 + 3, 5 + 1, 10 + 0, 15 + 4, 20 + 2, 25 + 3]
    # Path ops, base 4 over (skip 0, conv_1x1 1, conv_3x3 2, avg_pool 3):
    #   0->3 avg_pool: 3; 0->1->3 conv_3x3, conv_1x1: 2*4+1 = 9;
    #   0->2->3 skip, conv_3x3: 0*4+2 = 2; 0->1->2->3 runs through none: nothing.
    assert np.flatnonzero(vector[30:]).tolist() == [3, 4 + 9, 4 + 16 + 2]
    assert vector.sum() == 6 + 3


def test_encoding_of_a_subset_space() -> None:
    space = NB201Space(SUBSET)  # ops: none, conv_3x3, avg_pool_3x3 -> p = 2 path ops
    vector = space.encode(cell(*("conv_3x3",) * 3, *("avg_pool_3x3",) * 3))
    assert vector.shape == (6 * 3 + 2 + 4 + 4 + 8,)
    # 0->3 pool: 1; 0->1->3 conv, pool: 0b01; 0->2->3 conv, pool: 0b01; 0->1->2->3: 0b001.
    assert np.flatnonzero(vector[18:]).tolist() == [1, 2 + 1, 2 + 4 + 1, 2 + 4 + 4 + 1]
    with pytest.raises(GenotypeError, match="not in this space"):
        space.encode(cell(*("skip_connect",) * 6))


# -- genotypes as data -------------------------------------------------------------------------


def test_json_string_and_registry_round_trips() -> None:
    space = NB201Space(NB201SpaceConfig(init_channels=8, cells_per_stage=2))
    rng = np.random.default_rng(4)
    for _ in range(300):
        genotype = space.sample(rng)
        data = json.loads(genotype.to_json())
        assert data["space"] == "nb201"
        assert NB201Genotype.from_dict(data) == genotype
        assert genotype_from_dict(genotype.to_dict()) == genotype
        assert space.genotype_from_dict(data) == genotype
        assert NB201Genotype.from_string(genotype.describe(), 8, 2) == genotype


def test_describe_uses_nas_bench_201_names_and_the_hash_is_stable() -> None:
    genotype = cell("conv_3x3", "conv_3x3", "avg_pool_3x3", "skip_connect", "conv_3x3", "none")
    assert genotype.describe() == (
        "|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|none~2|"
    )
    # The id is that of the canonical form's JSON, the same in every process: node 2 is a dead
    # end, and of the node 1/2 swaps the one with "conv_3x3" < "none" on edge (0,1) wins.
    canonical = (
        '{"cells_per_stage":5,"init_channels":16,'
        '"ops":["conv_3x3","none","none","skip_connect","conv_3x3","none"],"space":"nb201"}'
    )
    assert genotype.hash() == hashlib.sha256(canonical.encode()).hexdigest()[:16]


@pytest.mark.parametrize(
    ("ops", "message"),
    [
        (("none",) * 5, "has 6 edges"),
        (("none",) * 5 + ("sep_conv_3x3",), r"edge 5 \(2, 3\): unknown op 'sep_conv_3x3'"),
    ],
)
def test_malformed_genotypes_are_refused(ops: tuple[str, ...], message: str) -> None:
    with pytest.raises(GenotypeError, match=message):
        NB201Genotype(ops)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("|none~0|+|none~0|none~1|", "3 nodes"),
        ("|conv_3x3~0|+|none~0|none~1|+|none~0|none~1|none~2|", "unknown op 'conv_3x3'"),
        ("|none~0|+|none~0|none~0|+|none~0|none~1|none~2|", "each input 0..1 once"),
        ("|none~0|+|none~0|+|none~0|none~1|none~2|", r"no op for edges \[\(1, 2\)\]"),
    ],
)
def test_malformed_cell_strings_are_refused(text: str, message: str) -> None:
    with pytest.raises(GenotypeError, match=message):
        NB201Genotype.from_string(text)


def test_from_dict_refuses_other_spaces_and_unknown_keys() -> None:
    with pytest.raises(GenotypeError, match="not an nb201 genotype"):
        NB201Genotype.from_dict({"space": "chain", "layers": []})
    with pytest.raises(GenotypeError, match="unknown keys in an nb201 genotype: width"):
        NB201Genotype.from_dict({"space": "nb201", "ops": ["none"] * 6, "width": 3})
    with pytest.raises(GenotypeError, match="cells_per_stage must be an integer >= 1"):
        NB201Genotype(("none",) * 6, cells_per_stage=0)


# -- repair, graph, configuration ------------------------------------------------------------


def test_repair_refuses_tables_and_inputs_too_small_for_two_reductions() -> None:
    space = NB201Space()
    genotype = space.sample(np.random.default_rng(5))
    with pytest.raises(GenotypeError, match=r"needs sequences \(C, L\) or images"):
        space.repair(genotype, (13,))
    with pytest.raises(GenotypeError, match=r"at least 4 positions; got input \(1, 3\)"):
        space.repair(genotype, (1, 3))
    with pytest.raises(GenotypeError, match=r"at least 4 positions; got input \(3, 16, 2\)"):
        space.repair(genotype, (3, 16, 2))
    assert space.repair(genotype, (1, 4)) is genotype
    assert space.repair(genotype, (3, 5, 7)) is genotype


def test_graph_has_four_nodes_and_only_the_present_edges() -> None:
    genotype = cell("conv_3x3", "none", "skip_connect", "none", "none", "avg_pool_3x3")
    graph = NB201Space().graph(genotype)
    assert graph["kind"] == "nb201"
    assert [node["label"] for node in graph["nodes"]] == ["input", "node 1", "node 2", "output"]
    assert graph["edges"] == [
        {"source": 0, "target": 1, "label": "conv_3x3"},
        {"source": 1, "target": 2, "label": "skip_connect"},
        {"source": 2, "target": 3, "label": "avg_pool_3x3"},
    ]
    assert graph["skeleton"]["init_channels"] == 16
    assert graph["skeleton"]["cells_per_stage"] == 5


def test_config_round_trips_and_is_made_by_name() -> None:
    space = make_architecture_space({"type": "nb201", "ops": ["none", "conv_1x1"]})
    assert isinstance(space, NB201Space)
    assert space.ops == ("none", "conv_1x1")
    copy = NB201Space.from_dict(space.to_dict())
    assert copy.config == space.config
    assert copy.flat() == space.flat()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"ops": ["conv_3x3", "sep_conv_3x3"]}, "unknown op 'sep_conv_3x3'; allowed: none, skip"),
        ({"ops": []}, "at least 1 item"),
        ({"cells_per_stage": 0}, "greater than or equal to 1"),
        ({"nodes": 4}, "unknown key 'nodes'"),
    ],
)
def test_bad_configs_fail_with_the_reason(data: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        NB201SpaceConfig.model_validate({"type": "nb201", **data})
