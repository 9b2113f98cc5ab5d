"""Architecture diagrams: every space's graph draws as SVG, with every label escaped."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import numpy as np
import pytest

from netsynth.dashboard.diagrams import architecture_svg
from netsynth.space.architecture_space import make_architecture_space

SPACES = ["chain", "dag", "cell", "nb201", "zoo"]


@pytest.mark.parametrize("kind", SPACES)
@pytest.mark.parametrize("compact", [False, True])
def test_every_space_draws_well_formed_svg(kind: str, compact: bool) -> None:
    space = make_architecture_space({"type": kind})
    for seed in range(5):
        graph = space.graph(space.sample(np.random.default_rng(seed)))
        svg = architecture_svg(graph, compact=compact)
        root = ET.fromstring(svg)  # well-formed XML
        assert root.tag.endswith("svg")
        shapes = svg.count("<circle") if compact else svg.count("<rect")
        nodes = (
            sum(len(c["nodes"]) for c in graph["cells"].values())
            if "cells" in graph
            else len(graph["nodes"])
        )
        assert shapes == nodes  # one shape per node, cells drawn side by side
        width, height = float(root.get("width", 0)), float(root.get("height", 0))
        assert width > 0 and height > 0
        if compact:
            assert height <= 120


def test_cells_are_titled_and_edges_carry_their_op() -> None:
    space = make_architecture_space({"type": "cell"})
    graph = space.graph(space.sample(np.random.default_rng(0)))
    svg = architecture_svg(graph)
    assert "normal cell" in svg and "reduction cell" in svg
    ops = {e["label"] for cell in graph["cells"].values() for e in cell["edges"] if e["label"]}
    assert all(f">{op}</text>" in svg for op in ops)


def test_parallel_branches_share_a_layer() -> None:
    graph = {
        "kind": "dag",
        "nodes": [{"id": i, "label": f"n{i}"} for i in range(4)],
        "edges": [
            {"source": 0, "target": 1, "label": "sum"},
            {"source": 0, "target": 2, "label": "sum"},
            {"source": 1, "target": 3, "label": "sum"},
            {"source": 2, "target": 3, "label": "sum"},
        ],
    }
    svg = architecture_svg(graph)
    ys = {
        m[1]: float(m[0])
        for m in re.findall(r'<rect x="[^"]+" y="([^"]+)"[^>]*/><text[^>]*>(n\d)', svg)
    }
    assert ys["n1"] == ys["n2"]
    assert ys["n0"] < ys["n1"] < ys["n3"]


PAYLOAD = '<script>alert("x")</script>'


@pytest.mark.parametrize("compact", [False, True])
def test_labels_are_escaped(compact: bool) -> None:
    graph = {
        "kind": "cell",
        "cells": {
            PAYLOAD: {
                "nodes": [{"id": 0, "label": PAYLOAD}, {"id": 1, "label": "out"}],
                "edges": [{"source": 0, "target": 1, "label": PAYLOAD}],
            }
        },
        "skeleton": {"note": PAYLOAD},
    }
    svg = architecture_svg(graph, compact=compact)
    assert "<script" not in svg
    assert "&lt;script&gt;" in svg
    ET.fromstring(svg)


def test_a_cycle_does_not_hang_the_layout() -> None:
    graph = {
        "nodes": [{"id": 0, "label": "a"}, {"id": 1, "label": "b"}],
        "edges": [{"source": 0, "target": 1, "label": ""}, {"source": 1, "target": 0, "label": ""}],
    }
    ET.fromstring(architecture_svg(graph))
