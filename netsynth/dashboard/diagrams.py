"""Architecture diagrams as SVG, drawn on the server from ``ArchitectureSpace.graph`` data.

Nodes are placed in layers by their longest path from an input (a chain is one node per
layer; a DAG's parallel branches share a layer), edges are drawn as curves with their label
(an op name in a cell, ``sum`` / ``concat`` in a DAG) at the middle. Cell spaces draw each cell
(normal, reduction) side by side. Every label is escaped: a graph's text comes from user specs.

>>> svg = architecture_svg({"kind": "chain", "nodes": [{"id": 0, "label": "input"},
...     {"id": 1, "label": "<b>conv</b>"}], "edges": [{"source": 0, "target": 1, "label": ""}]})
>>> svg.startswith("<svg") and "&lt;b&gt;conv&lt;/b&gt;" in svg and "<b>" not in svg
True
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from html import escape
from typing import Any

# Full diagrams: node boxes top to bottom.
_FONT = 11  # px
_CHAR = 6.4  # px per character at _FONT (a monospace-ish estimate)
_BOX_H = 24
_LAYER_GAP = 30
_NODE_GAP = 14
_PAD = 12
_MAX_LABEL = 48  # characters; longer labels are cut with an ellipsis (the title keeps all)
# Thumbnails: dots left to right.
_DOT = 3.5
_THUMB_STEP_X = 14
_THUMB_STEP_Y = 9

# op keyword -> colour (first match wins); the rest are grey.
_COLOURS = (
    ("none", "#c8c8c8"),
    ("zero", "#c8c8c8"),
    ("skip", "#8c8c8c"),
    ("identity", "#8c8c8c"),
    ("pool", "#2e9e5b"),
    ("conv", "#2f6fd0"),
    ("mbconv", "#2f6fd0"),
    ("block", "#2f6fd0"),
    ("stage", "#2f6fd0"),
    ("dense", "#d08a2f"),
    ("linear", "#d08a2f"),
    ("mlp", "#d08a2f"),
    ("input", "#555555"),
    ("c_{k", "#555555"),
)


def colour_of(label: str) -> str:
    text = label.lower()
    return next((colour for key, colour in _COLOURS if key in text), "#777777")


@dataclass(frozen=True)
class _Placed:
    id: Any
    label: str
    layer: int
    slot: int


def _layers(
    nodes: Sequence[Mapping[str, Any]], edges: Sequence[Mapping[str, Any]]
) -> list[_Placed]:
    """Each node's layer: 0 for nodes without inputs, else 1 + the deepest input's layer."""
    ids = [node["id"] for node in nodes]
    inputs: dict[Any, list[Any]] = {i: [] for i in ids}
    for edge in edges:
        if edge["target"] in inputs and edge["source"] in inputs:
            inputs[edge["target"]].append(edge["source"])
    layer: dict[Any, int] = {}

    def depth(node: Any, seen: frozenset[Any]) -> int:
        if node in layer:
            return layer[node]
        if node in seen:  # a cycle cannot be drawn in layers; break it here
            return 0
        parents = inputs[node]
        value = 1 + max((depth(p, seen | {node}) for p in parents), default=-1)
        layer[node] = value
        return value

    for node in ids:
        depth(node, frozenset())
    slots: dict[int, int] = {}
    placed = []
    for node in nodes:
        row = layer[node["id"]]
        placed.append(_Placed(node["id"], str(node.get("label", "")), row, slots.get(row, 0)))
        slots[row] = slots.get(row, 0) + 1
    return placed


# Where along an edge its label may go, in order of preference: edges fan out of a shared
# input, so labels part best where the edges have parted.
_LABEL_SPOTS = (0.67, 0.45, 0.82, 0.3, 0.56, 0.9, 0.2)


def _label_spot(
    start: tuple[float, float],
    end: tuple[float, float],
    width: float,
    placed: list[tuple[float, float, float]],
) -> tuple[float, float]:
    """The first spot along the edge where its label overlaps no label placed before."""
    spot = start
    for at in _LABEL_SPOTS:
        spot = (start[0] + at * (end[0] - start[0]), start[1] + at * (end[1] - start[1]))
        if all(
            abs(spot[0] - x) > (width + w) / 2 + 2 or abs(spot[1] - y) > _FONT for x, y, w in placed
        ):
            break
    placed.append((spot[0], spot[1], width))
    return spot


def _short(label: str) -> str:
    return label if len(label) <= _MAX_LABEL else label[: _MAX_LABEL - 1] + "…"


def _graph_svg(graph: Mapping[str, Any], title: str | None) -> tuple[str, float, float]:
    """The body of one graph's diagram and its width and height."""
    nodes, edges = list(graph.get("nodes", [])), list(graph.get("edges", []))
    placed = _layers(nodes, edges)
    box_w = max([_CHAR * len(_short(p.label)) + 16 for p in placed] + [60.0])
    per_layer: dict[int, int] = {}
    for p in placed:
        per_layer[p.layer] = max(per_layer.get(p.layer, 0), p.slot + 1)
    widest = max(per_layer.values(), default=1)
    width = _PAD * 2 + widest * box_w + (widest - 1) * _NODE_GAP
    top = _PAD + (_FONT + 10 if title else 0)
    layers = max(per_layer, default=0) + 1
    # Labelled edges (ops in a cell) need room between layers for their text.
    gap = _LAYER_GAP * (2 if any(edge.get("label") for edge in edges) else 1)
    height = top + layers * _BOX_H + (layers - 1) * gap + _PAD
    centre: dict[Any, tuple[float, float]] = {}
    for p in placed:
        count = per_layer[p.layer]
        row_w = count * box_w + (count - 1) * _NODE_GAP
        x = (width - row_w) / 2 + p.slot * (box_w + _NODE_GAP) + box_w / 2
        y = top + p.layer * (_BOX_H + gap) + _BOX_H / 2
        centre[p.id] = (x, y)
    parts: list[str] = []
    placed_labels: list[tuple[float, float, float]] = []  # (x, y, width) of edge labels
    if title:
        parts.append(
            f'<text x="{width / 2:.1f}" y="{_PAD + _FONT:.1f}" text-anchor="middle" '
            f'font-weight="bold">{escape(title)}</text>'
        )
    for edge in edges:
        if edge["source"] not in centre or edge["target"] not in centre:
            continue
        (x1, y1), (x2, y2) = centre[edge["source"]], centre[edge["target"]]
        label = str(edge.get("label", ""))
        colour = colour_of(label) if label else "#999999"
        dash = ' stroke-dasharray="4 3"' if label.lower() in ("none", "zero") else ""
        start, end = (x1, y1 + _BOX_H / 2), (x2, y2 - _BOX_H / 2)
        if y2 <= y1:  # an edge within or back up a layer: route it round the side
            start, end = (x1 + box_w / 2, y1), (x2 + box_w / 2, y2)
        bend = (end[1] - start[1]) / 2
        parts.append(
            f'<path d="M{start[0]:.1f},{start[1]:.1f} C{start[0]:.1f},{start[1] + bend:.1f} '
            f'{end[0]:.1f},{end[1] - bend:.1f} {end[0]:.1f},{end[1]:.1f}" fill="none" '
            f'stroke="{colour}" stroke-width="1.5"{dash} marker-end="url(#arrow)">'
            f"<title>{escape(label)}</title></path>"
        )
        if label:
            mx, my = _label_spot(start, end, _CHAR * 0.85 * len(label), placed_labels)
            parts.append(
                f'<text x="{mx:.1f}" y="{my:.1f}" font-size="{_FONT - 2}" text-anchor="middle" '
                f'fill="{colour}" stroke="#ffffff" stroke-width="3" paint-order="stroke">'
                f"{escape(label)}</text>"
            )
    for p in placed:
        x, y = centre[p.id]
        colour = colour_of(p.label)
        parts.append(
            f'<g><title>{escape(p.label)}</title><rect x="{x - box_w / 2:.1f}" '
            f'y="{y - _BOX_H / 2:.1f}" width="{box_w:.1f}" height="{_BOX_H}" rx="5" '
            f'fill="#ffffff" stroke="{colour}" stroke-width="1.5"/>'
            f'<text x="{x:.1f}" y="{y + 4:.1f}" text-anchor="middle">'
            f"{escape(_short(p.label))}</text></g>"
        )
    return "".join(parts), width, height


def _document(body: str, width: float, height: float, css_class: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="{css_class}" width="{width:.0f}" '
        f'height="{height:.0f}" viewBox="0 0 {width:.1f} {height:.1f}" '
        f'font-family="sans-serif" font-size="{_FONT}" role="img">'
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="6" '
        'markerHeight="6" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" '
        'fill="#999999"/></marker></defs>'
        f"{body}</svg>"
    )


def _thumbnail(graphs: Sequence[Mapping[str, Any]]) -> str:
    """Dots and lines, left to right, one band per graph (cells: normal above reduction)."""
    bands: list[str] = []
    width, y0 = 0.0, 0.0
    for graph in graphs:
        nodes, edges = list(graph.get("nodes", [])), list(graph.get("edges", []))
        placed = _layers(nodes, edges)
        rows = max((p.slot for p in placed), default=0) + 1
        at = {
            p.id: (_PAD / 2 + p.layer * _THUMB_STEP_X, y0 + _DOT + 2 + p.slot * _THUMB_STEP_Y)
            for p in placed
        }
        for edge in edges:
            if edge["source"] in at and edge["target"] in at:
                (x1, y1), (x2, y2) = at[edge["source"]], at[edge["target"]]
                colour = colour_of(str(edge.get("label", ""))) if edge.get("label") else "#aaa"
                bands.append(
                    f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" '
                    f'stroke="{colour}" stroke-width="1"/>'
                )
        for p in placed:
            x, y = at[p.id]
            bands.append(
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{_DOT}" fill="{colour_of(p.label)}">'
                f"<title>{escape(p.label)}</title></circle>"
            )
        width = max([width, *(x + _DOT + _PAD / 2 for x, _ in at.values())])
        y0 += rows * _THUMB_STEP_Y + 6
    return _document("".join(bands), max(width, 20.0), max(y0, 12.0), "arch-thumb")


def _parts(graph: Mapping[str, Any]) -> list[tuple[str | None, Mapping[str, Any]]]:
    """(title, graph) per drawable graph: each cell of a cell space, else the graph itself."""
    cells = graph.get("cells")
    if isinstance(cells, Mapping):
        names = {"reduce": "reduction"}
        return [(f"{names.get(name, name)} cell", cell) for name, cell in cells.items()]
    title = graph.get("title")
    return [(str(title) if title else None, graph)]


def architecture_svg(graph: Mapping[str, Any], *, compact: bool = False) -> str:
    """A standalone ``<svg>`` of an architecture graph (``ArchitectureSpace.graph``): chain and
    DAG graphs have ``nodes`` and ``edges``; cell spaces a graph per cell under ``cells``. All
    labels are escaped. ``compact``: a small thumbnail for table rows."""
    parts = _parts(graph)
    if compact:
        return _thumbnail([g for _, g in parts])
    bodies: list[str] = []
    x, height = 0.0, 0.0
    for title, part in parts:
        body, w, h = _graph_svg(part, title)
        bodies.append(f'<g transform="translate({x:.1f},0)">{body}</g>')
        x += w + _PAD
        height = max(height, h)
    extra = _skeleton_note(graph)
    if extra:
        x = max(x, _PAD * 2 + _CHAR * len(extra))
        bodies.append(
            f'<text x="{_PAD}" y="{height + _FONT:.1f}" font-size="{_FONT - 1}" '
            f'fill="#555555">{escape(extra)}</text>'
        )
        height += _FONT + _PAD
    return _document("".join(bodies), max(x - _PAD, 60.0), max(height, 30.0), "arch")


def _skeleton_note(graph: Mapping[str, Any]) -> str:
    """One line on how the cells are stacked, where the graph says (cell spaces, NB201)."""
    skeleton = graph.get("skeleton") or graph.get("macro")
    if not isinstance(skeleton, Mapping):
        return ""
    shown = {
        k: v
        for k, v in skeleton.items()
        if not isinstance(v, (list, tuple)) or len(v) <= 4  # per-cell lists are too long
    }
    return "skeleton: " + ", ".join(f"{k} {v}" for k, v in shown.items())


__all__ = ["architecture_svg", "colour_of"]
