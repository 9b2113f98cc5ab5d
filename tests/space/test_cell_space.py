"""The cell space: samples and mutations stay valid and round-trip through JSON and the flat
view; the canonical form merges exactly the equivalent cells; mutate and neighbours make
single changes; the encoding has its documented layout; inputs the space cannot take are
refused with the reason; bad configurations fail on validation."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import numpy as np
import pytest
from pydantic import ValidationError

from netsynth.space.architecture_space import make_architecture_space
from netsynth.space.cell_genotype import CELL_KINDS, CELL_OPS, Cell, CellGenotype
from netsynth.space.cell_space import CellSpace, CellSpaceConfig
from netsynth.space.genotype import Genotype, GenotypeError
from netsynth.space.space_kinds import genotype_from_dict

# Every macro setting searched, so that samples and mutations cover the skeleton too.
MACRO = CellSpaceConfig(
    nodes=3,
    stages=[2, 3],
    cells_per_stage=[1, 2],
    init_channels=[4, 8],
    channel_growth=[1.5, 2.0],
)


def cell(*nodes: tuple[tuple[str, int], tuple[str, int]]) -> Cell:
    return Cell(tuple(nodes))


def genotype(normal: Cell, reduce: Cell | None = None) -> CellGenotype:
    return CellGenotype(normal, reduce or normal, (1, 1), 8)


def changes(a: CellGenotype, b: CellGenotype) -> list[str]:
    """The names of the settings in which ``a`` and ``b`` differ."""
    found = []
    for kind in CELL_KINDS:
        for j, (x, y) in enumerate(zip(a.cell(kind).nodes, b.cell(kind).nodes, strict=True)):
            for t in (0, 1):
                found += [f"{kind}.n{j}.op{t}"] * (x[t][0] != y[t][0])
                found += [f"{kind}.n{j}.in{t}"] * (x[t][1] != y[t][1])
    stages_a, stages_b = a.cells_per_stage, b.cells_per_stage
    found += ["stages"] * (len(stages_a) != len(stages_b))
    found += [
        f"cells{s}" for s, (x, y) in enumerate(zip(stages_a, stages_b, strict=False)) if x != y
    ]
    found += ["init_channels"] * (a.init_channels != b.init_channels)
    found += ["growth"] * (a.channel_growth != b.channel_growth)
    return found


def relabelled(c: Cell, rng: np.random.Generator) -> Cell:
    """An equivalent cell: nodes renumbered in a random order that respects dependencies,
    each node's pair in random order, ``none`` edges reading a random input."""
    index = {0: 0, 1: 1}
    nodes: list[tuple[tuple[str, int], tuple[str, int]]] = []
    while len(nodes) < len(c.nodes):
        ready = [
            v
            for v in range(2, len(c.nodes) + 2)
            if v not in index and all(s in index for _, s in c.nodes[v - 2])
        ]
        v = ready[int(rng.integers(len(ready)))]
        edges = [
            (op, int(rng.integers(len(nodes) + 2)) if op == "none" else index[s])
            for op, s in c.nodes[v - 2]
        ]
        if rng.random() < 0.5:
            edges.reverse()
        index[v] = len(nodes) + 2
        nodes.append((edges[0], edges[1]))
    return Cell(tuple(nodes))


# -- samples, mutations, round trips --------------------------------------------------------------


def test_samples_and_mutations_are_valid_and_round_trip() -> None:
    space = CellSpace(MACRO)
    rng = np.random.default_rng(0)
    seen_stages = set()
    for _ in range(1000):
        params = space.flat().sample(rng)
        space.flat().validate(params)
        g, training = space.decode(params)
        seen_stages.add(len(g.cells_per_stage))
        assert space.params_of(g, training) == params
        mutant = space.mutate(g, rng)
        assert isinstance(mutant, CellGenotype)
        space.flat().validate(space.params_of(mutant, training))  # in the space
        for item in (g, mutant):
            copy = CellGenotype.from_dict(json.loads(item.to_json()))
            assert copy == item
            assert copy.hash() == item.hash() and copy.describe() == item.describe()
            assert space.decode(space.params_of(item, training))[0] == item
    assert seen_stages == {2, 3}


def test_mutate_changes_exactly_one_setting_to_another_architecture() -> None:
    space = CellSpace(MACRO)
    rng = np.random.default_rng(1)
    kinds = set()
    for _ in range(300):
        g = space.sample(rng)
        mutant = space.mutate(g, rng)
        assert isinstance(mutant, CellGenotype)
        changed = changes(g, mutant)
        assert len(changed) == 1, changed
        assert mutant.hash() != g.hash(), changed  # a change that changes nothing is avoided
        kinds.add(changed[0].split(".")[-1].rstrip("0123456789"))
    assert kinds >= {"op", "in", "stages", "cells", "init_channels", "growth"}


@pytest.mark.parametrize("config", [CellSpaceConfig(), MACRO], ids=["default", "macro"])
def test_neighbours_are_every_single_change(config: CellSpaceConfig) -> None:
    space = CellSpace(config)
    b, o = config.nodes, len(config.ops)
    choices = [
        len(v) if isinstance(v, list) else 1
        for v in (config.stages, config.cells_per_stage, config.init_channels)
    ]
    s, n, i = choices
    g_choices = len(config.channel_growth) if isinstance(config.channel_growth, list) else 1
    rng = np.random.default_rng(2)
    for _ in range(20):
        g, training = space.decode(space.flat().sample(rng))
        stages = len(g.cells_per_stage)
        # 2 cells x B nodes x 2 edges: O - 1 other ops, j + 1 other inputs for node j.
        expected = 4 * b * (o - 1) + 2 * b * (b + 1)
        expected += (s - 1) + stages * (n - 1) + (i - 1) + (g_choices - 1)
        neighbours = space.neighbours(g)
        assert len(neighbours) == expected
        assert len({nb.to_json() for nb in neighbours}) == expected
        for neighbour in neighbours:
            assert isinstance(neighbour, CellGenotype)
            assert len(changes(g, neighbour)) == 1
            space.params_of(neighbour, training)  # in the space


# -- the canonical form ------------------------------------------------------------------------


def test_canonical_form_is_idempotent_and_defines_the_hash() -> None:
    space = CellSpace(MACRO)
    rng = np.random.default_rng(3)
    for _ in range(300):
        g = space.sample(rng)
        once = space.canonical(g)
        assert space.canonical(once) == once
        assert once.hash() == g.hash()
        for kind in CELL_KINDS:
            for node in once.cell(kind).nodes:
                assert list(node) == sorted(node)
                assert all(source == 0 for op, source in node if op == "none")


def test_relabelled_cells_hash_equal_and_encode_equal() -> None:
    space = CellSpace()
    rng = np.random.default_rng(4)
    different_raw = 0
    for _ in range(300):
        g = space.sample(rng)
        twin = replace(g, normal=relabelled(g.normal, rng), reduce=relabelled(g.reduce, rng))
        different_raw += twin != g
        assert twin.hash() == g.hash()
        assert space.canonical(twin) == space.canonical(g)
        np.testing.assert_array_equal(space.encode(twin), space.encode(g))
    assert different_raw > 250  # the relabelling really changed the raw genotypes


def test_known_equivalent_cells_hash_equal() -> None:
    base = cell((("sep_conv_3x3", 0), ("skip_connect", 1)), (("max_pool_3x3", 0), ("none", 1)))
    swapped_pair = cell(
        (("skip_connect", 1), ("sep_conv_3x3", 0)), (("max_pool_3x3", 0), ("none", 1))
    )
    none_elsewhere = cell(
        (("sep_conv_3x3", 0), ("skip_connect", 1)), (("none", 2), ("max_pool_3x3", 0))
    )
    assert genotype(swapped_pair).hash() == genotype(base).hash()
    assert genotype(none_elsewhere).hash() == genotype(base).hash()
    # Nodes 0 and 1 are independent; swapping them renumbers node 2's references.
    independent = cell(
        (("sep_conv_3x3", 0), ("sep_conv_3x3", 1)),
        (("dil_conv_5x5", 1), ("avg_pool_3x3", 0)),
        (("skip_connect", 2), ("sep_conv_5x5", 3)),
    )
    swapped_nodes = cell(
        (("dil_conv_5x5", 1), ("avg_pool_3x3", 0)),
        (("sep_conv_3x3", 0), ("sep_conv_3x3", 1)),
        (("skip_connect", 3), ("sep_conv_5x5", 2)),
    )
    assert genotype(swapped_nodes).hash() == genotype(independent).hash()
    # Two nodes with both ops none are zeros whatever they read.
    zeros_a = cell((("none", 1), ("none", 0)), (("none", 2), ("sep_conv_3x3", 1)))
    zeros_b = cell((("none", 0), ("none", 0)), (("sep_conv_3x3", 1), ("none", 0)))
    assert genotype(zeros_a).hash() == genotype(zeros_b).hash()
    assert genotype(zeros_a).canonical().normal.nodes[0] == (("none", 0), ("none", 0))


def test_twin_nodes_with_different_consumers_are_canonical() -> None:
    """Nodes 0 and 1 are identical (same ops, same inputs) but feed different nodes: both
    numberings of the twins must reach the same form."""
    a = cell(
        (("sep_conv_3x3", 0), ("sep_conv_3x3", 1)),
        (("sep_conv_3x3", 0), ("sep_conv_3x3", 1)),
        (("max_pool_3x3", 2), ("skip_connect", 1)),
        (("avg_pool_3x3", 3), ("max_pool_3x3", 4)),
    )
    b = cell(
        (("sep_conv_3x3", 0), ("sep_conv_3x3", 1)),
        (("sep_conv_3x3", 0), ("sep_conv_3x3", 1)),
        (("max_pool_3x3", 3), ("skip_connect", 1)),
        (("avg_pool_3x3", 2), ("max_pool_3x3", 4)),
    )
    assert a != b
    assert a.canonical() == b.canonical()
    assert genotype(a).hash() == genotype(b).hash()


def test_genuinely_different_cells_hash_differently() -> None:
    base = cell((("sep_conv_3x3", 0), ("skip_connect", 1)), (("max_pool_3x3", 2), ("none", 0)))
    other_op = cell((("sep_conv_5x5", 0), ("skip_connect", 1)), (("max_pool_3x3", 2), ("none", 0)))
    other_input = cell(
        (("sep_conv_3x3", 0), ("skip_connect", 1)), (("max_pool_3x3", 1), ("none", 0))
    )
    ops_swapped = cell(  # the two inputs are different tensors
        (("sep_conv_3x3", 1), ("skip_connect", 0)), (("max_pool_3x3", 2), ("none", 0))
    )
    hashes = {genotype(c).hash() for c in (base, other_op, other_input, ops_swapped)}
    assert len(hashes) == 4
    assert genotype(base, other_op).hash() != genotype(other_op, base).hash()  # cell roles
    assert replace(genotype(base), init_channels=16).hash() != genotype(base).hash()


def test_distinct_canonical_forms_have_distinct_hashes() -> None:
    space = CellSpace(MACRO)
    rng = np.random.default_rng(5)
    forms: dict[str, str] = {}
    for _ in range(500):
        g = space.sample(rng)
        form = space.canonical(g).to_json()
        assert forms.setdefault(g.hash(), form) == form
    assert len(forms) > 450


# -- the encoding ---------------------------------------------------------------------------------


def encoding_length(config: CellSpaceConfig) -> int:
    b, o = config.nodes, len(config.ops)
    m = len([op for op in config.ops if op != "none"])
    paths = 2 * sum(m**k for k in range(1, min(b, config.max_path_ops) + 1))
    per_cell = 2 * b * (b + 1) + 2 * b * o + paths

    def count(setting: Any) -> int:
        return len(setting) if isinstance(setting, list) else 1

    stages = config.stages if isinstance(config.stages, list) else [config.stages]
    macro = len(stages) + max(stages) * count(config.cells_per_stage)
    macro += count(config.init_channels) + count(config.channel_growth)
    return 2 * per_cell + macro


@pytest.mark.parametrize(
    "config",
    [CellSpaceConfig(), MACRO, CellSpaceConfig(nodes=5, max_path_ops=2, ops=list(CELL_OPS))],
    ids=["default", "macro", "truncated"],
)
def test_encoding_has_constant_documented_length(config: CellSpaceConfig) -> None:
    space = CellSpace(config)
    rng = np.random.default_rng(6)
    for _ in range(50):
        vector = space.encode(space.sample(rng))
        assert vector.shape == (encoding_length(config),)
        assert vector.dtype == np.float32
    assert encoding_length(CellSpaceConfig()) == 2 * (40 + 64 + 2 * (7 + 49 + 343 + 2401)) + 6


def test_encoding_of_a_hand_checked_cell() -> None:
    config = CellSpaceConfig(nodes=2, ops=["none", "skip_connect", "sep_conv_3x3"], stages=2)
    space = CellSpace(config)
    normal = cell((("skip_connect", 0), ("sep_conv_3x3", 1)), (("sep_conv_3x3", 2), ("none", 1)))
    reduce = cell((("none", 0), ("none", 1)), (("none", 0), ("none", 0)))
    vector = space.encode(CellGenotype(normal, reduce, (2, 2), 16))
    inputs, ops, paths = vector[:12].reshape(2, 2, 3), vector[12:24].reshape(2, 2, 3), vector[24:36]
    # Canonical pairs: node 0 = (sep, 1), (skip, 0); node 1 = (none, 0), (sep, 2).
    assert [list(np.flatnonzero(row)) for row in inputs.reshape(4, 3)] == [[1], [0], [0], [2]]
    assert [list(np.flatnonzero(row)) for row in ops.reshape(4, 3)] == [[2], [1], [0], [2]]
    # Paths (m = 2: skip = 0, sep = 1): 0-skip, 1-sep, 0-skip-sep, 1-sep-sep
    # at 0*2+0, 1*2+1, 4+0*4+0*2+1, 4+1*4+1*2+1.
    assert list(np.flatnonzero(paths)) == [0, 3, 5, 11]
    assert paths.sum() == 4
    reduce_paths = vector[36 + 24 : 36 + 36]
    assert not reduce_paths.any()  # none edges carry no paths
    assert list(vector[72:]) == [1.0, 1.0, 1.0, 1.0, 1.0]  # 1 stage choice, 2 stages, C, growth


def test_different_architectures_encode_differently() -> None:
    space = CellSpace(MACRO)
    rng = np.random.default_rng(7)
    vectors = {}
    for _ in range(200):
        g = space.sample(rng)
        vectors[g.hash()] = space.encode(g).tobytes()
    assert len(set(vectors.values())) == len(vectors)


# -- the flat view ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("setting", "choices", "names"),
    [
        ("stages", [2, 3], {"macro.stages"}),
        ("cells_per_stage", [1, 2], {"macro.cells0", "macro.cells1", "macro.cells2"}),
        ("init_channels", [8, 16], {"macro.init_channels"}),
        ("channel_growth", [1.5, 2.0], {"macro.growth"}),
    ],
)
def test_macro_settings_are_in_the_flat_view_exactly_when_searched(
    setting: str, choices: list[Any], names: set[str]
) -> None:
    fixed = CellSpace(CellSpaceConfig(**{setting: choices[0]}))
    assert not [name for name in fixed.flat() if name.startswith("macro.")]
    searched = CellSpace(CellSpaceConfig(**{setting: choices}))
    assert {name for name in searched.flat() if name.startswith("macro.")} == names
    rng = np.random.default_rng(8)

    def value(g: CellGenotype) -> Any:
        return {
            "stages": len(g.cells_per_stage),
            "cells_per_stage": g.cells_per_stage[0],
            "init_channels": g.init_channels,
            "channel_growth": g.channel_growth,
        }[setting]

    seen = {value(searched.decode(searched.flat().sample(rng))[0]) for _ in range(40)}
    assert {value(fixed.decode(fixed.flat().sample(rng))[0]) for _ in range(5)} == {choices[0]}
    assert seen == set(choices)


def test_stage_cells_exist_only_with_their_stage() -> None:
    space = CellSpace(MACRO)
    flat = space.flat()
    assert "macro.cells0" not in flat.conditions and "macro.cells1" not in flat.conditions
    assert flat.conditions["macro.cells2"].parent == "macro.stages"
    assert flat.conditions["macro.cells2"].values == (3,)
    rng = np.random.default_rng(9)
    for _ in range(100):
        params = flat.sample(rng)
        assert ("macro.cells2" in params) == (params["macro.stages"] == 3)


def test_cell_parameters_and_their_choices() -> None:
    config = CellSpaceConfig(nodes=3, ops=["skip_connect", "sep_conv_3x3"])
    flat = CellSpace(config).flat()
    for kind in CELL_KINDS:
        for j in range(3):
            for t in (0, 1):
                assert flat[f"{kind}.n{j}.in{t}"].to_dict()["choices"] == list(range(j + 2))
                assert flat[f"{kind}.n{j}.op{t}"].to_dict()["choices"] == config.ops
    one_op = CellSpace(CellSpaceConfig(nodes=2, ops=["sep_conv_3x3"]))
    assert not [name for name in one_op.flat() if ".op" in name]
    g, _ = one_op.decode(one_op.flat().sample(np.random.default_rng(0)))
    assert {op for node in g.normal.nodes for op, _ in node} == {"sep_conv_3x3"}


def test_params_of_rejects_genotypes_outside_the_space() -> None:
    space = CellSpace(CellSpaceConfig(nodes=2, ops=["skip_connect", "sep_conv_3x3"]))
    g, training = space.decode(space.flat().sample(np.random.default_rng(0)))
    with pytest.raises(GenotypeError, match="init_channels"):
        space.params_of(replace(g, init_channels=32), training)
    with pytest.raises(GenotypeError, match=r"macro\.stages"):
        space.params_of(replace(g, cells_per_stage=(2, 2)), training)
    three = cell(*g.normal.nodes, (("skip_connect", 0), ("skip_connect", 1)))
    with pytest.raises(GenotypeError, match="2 nodes"):
        space.params_of(replace(g, normal=three), training)
    pool = cell((("max_pool_3x3", 0), ("skip_connect", 1)), g.normal.nodes[1])
    with pytest.raises(GenotypeError, match="not in this space"):
        space.params_of(replace(g, reduce=pool), training)


# -- the space's other views ----------------------------------------------------------------------


def test_repair_refuses_tabular_and_too_small_inputs() -> None:
    space = CellSpace()
    g = space.sample(np.random.default_rng(0))  # 3 stages: 2 reductions
    assert space.repair(g, (3, 16, 16)) == g
    assert space.repair(g, (1, 3)) == g  # 3 -> 2 -> 1
    with pytest.raises(GenotypeError, match=r"needs sequences \(C, L\) or images.*\(13,\)"):
        space.repair(g, (13,))
    with pytest.raises(GenotypeError, match=r"too small for 2 reductions.*size 2 -> 1 -> 1"):
        space.repair(g, (1, 2))
    with pytest.raises(GenotypeError, match=r"4x2 -> 2x1 -> 1x1.*at most 2 stages"):
        space.repair(g, (3, 4, 2))


def test_graph_has_one_graph_per_cell_and_the_macro() -> None:
    space = CellSpace()
    normal = cell((("sep_conv_3x3", 0), ("skip_connect", 1)), (("max_pool_3x3", 2), ("none", 0)))
    g = CellGenotype(normal, normal, (2, 1), 8, 2.0)
    graph = space.graph(g)
    assert graph["kind"] == "cell"
    normal_graph = graph["cells"]["normal"]
    assert [node["id"] for node in normal_graph["nodes"]] == [0, 1, 2, 3, 4]
    assert {(e["source"], e["target"], e["label"]) for e in normal_graph["edges"]} == {
        (0, 2, "sep_conv_3x3"),
        (1, 2, "skip_connect"),
        (2, 3, "max_pool_3x3"),
        (2, 4, ""),
        (3, 4, ""),
    }
    assert graph["macro"]["sequence"] == ["normal", "normal", "reduce", "normal"]
    assert graph["macro"]["stage_channels"] == [8, 16]
    assert graph["macro"]["stem_channels"] == 24
    json.dumps(graph)


def test_describe_is_darts_like() -> None:
    normal = cell((("sep_conv_3x3", 1), ("skip_connect", 0)))
    g = CellGenotype(normal, cell((("max_pool_3x3", 0), ("none", 1))), (2, 2), 16, 2.0)
    assert g.describe() == (
        "Genotype(normal=[('sep_conv_3x3', 1), ('skip_connect', 0)], "
        "reduce=[('max_pool_3x3', 0), ('none', 1)], cells_per_stage=[2, 2], "
        "init_channels=16, channel_growth=2)"
    )


def test_genotypes_read_back_through_the_registries() -> None:
    g = CellSpace(MACRO).sample(np.random.default_rng(0))
    data = json.loads(json.dumps(g.to_dict()))
    assert data["space"] == "cell"
    read: Genotype = genotype_from_dict(data)
    assert read == g
    assert CellSpace().genotype_from_dict(data) == g


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"space": "chain", "layers": []}, "not a cell genotype"),
        ({"normal": [[["skip_connect", 0], ["skip_connect", 1]]]}, "needs reduce"),
        ({"normal": [], "reduce": []}, "at least one"),
        ({"normal": [[["skip_connect", 0]]], "reduce": [[["none", 0], ["none", 0]]]}, "pair"),
        (
            {"normal": [[["conv_7x7", 0], ["none", 0]]], "reduce": [[["none", 0], ["none", 0]]]},
            "conv_7x7",
        ),
        ({"normal": [[["none", 2], ["none", 0]]], "reduce": [[["none", 0], ["none", 0]]]}, "0..1"),
        (
            {"normal": [[["none", True], ["none", 0]]], "reduce": [[["none", 0], ["none", 0]]]},
            "integer",
        ),
    ],
)
def test_bad_genotype_descriptions_raise_genotype_errors(
    data: dict[str, Any], message: str
) -> None:
    with pytest.raises(GenotypeError, match=message):
        CellGenotype.from_dict(data)


@pytest.mark.parametrize(
    ("macro", "message"),
    [
        ({"cells_per_stage": ()}, "cells_per_stage"),
        ({"cells_per_stage": (2, 0)}, "cells_per_stage"),
        ({"init_channels": 1}, "init_channels"),
        ({"channel_growth": 0.5}, "channel_growth"),
        ({"extra": 1}, "unknown key 'extra'"),
    ],
)
def test_bad_macro_settings_raise_genotype_errors(macro: dict[str, Any], message: str) -> None:
    data = genotype(cell((("skip_connect", 0), ("none", 0)))).to_dict()
    with pytest.raises(GenotypeError, match=message):
        CellGenotype.from_dict({**data, **macro})


# -- configuration ----------------------------------------------------------------------------


def test_space_round_trips_through_its_dict_and_the_registry() -> None:
    space = CellSpace(MACRO)
    data = json.loads(json.dumps(space.to_dict()))
    copy = make_architecture_space(data)
    assert isinstance(copy, CellSpace)
    assert copy.config == space.config
    assert copy.flat() == space.flat()


@pytest.mark.parametrize(
    ("config", "field"),
    [
        ({"nodes": 0}, "nodes"),
        ({"ops": []}, "ops"),
        ({"ops": ["sep_conv_3x3", "conv_7x7"]}, "allowed: none, skip_connect"),
        ({"ops": ["none"]}, "ops"),
        ({"stages": [0, 2]}, "stages"),
        ({"stages": []}, "stages"),
        ({"cells_per_stage": 0}, "cells_per_stage"),
        ({"init_channels": [1, 8]}, "init_channels"),
        ({"channel_growth": 0.5}, "channel_growth"),
        ({"nodes": 8, "max_path_ops": 8}, "max_path_ops"),
        ({"type": "chain"}, "type"),
        ({"colour": "blue"}, "unknown key 'colour'"),
    ],
    ids=lambda value: json.dumps(value),
)
def test_bad_config_raises_validation_error_naming_the_field(
    config: dict[str, Any], field: str
) -> None:
    with pytest.raises(ValidationError, match=field):
        CellSpaceConfig.model_validate(config)
