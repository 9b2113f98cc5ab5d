"""A block-level diagram of a zoo architecture: stem, stages (blocks x width, downsampling),
head — what the dashboard draws for a zoo trial. Widths are the genotype's own (before any
lower-fidelity width multiplier); a stage marked /2 halves the map when the input is long
enough.

>>> from netsynth.space.zoo_genotype import ZooGenotype
>>> for node in zoo_graph(ZooGenotype("resnet", "20", se=True))["nodes"]:
...     print(node["label"])
input
stem conv3, 16 ch
stage 1: 3 x SE basic block, 16 ch
stage 2: 3 x SE basic block, 32 ch, /2
stage 3: 3 x SE basic block, 64 ch, /2
global average pool
linear
"""

from __future__ import annotations

import re
from typing import Any

from netsynth.space.zoo_genotype import ZooGenotype
from netsynth.space.zoo_tables import (
    B0_LAST,
    B0_STAGES,
    B0_STEM,
    RESNET_WIDTHS,
    V2_LAST,
    V2_STAGES,
    V2_STEM,
    V3_HEAD,
    V3_LAST,
    V3_STEM,
    VGG_CONVS,
    VGG_WIDTHS,
    WRN_STEM,
    WRN_WIDTHS,
    round_channels,
    scale_repeats,
    v3_stage_blocks,
    v3_stages,
)


def _stage(index: int, blocks: int, kind: str, width: int, stride: int) -> str:
    return f"stage {index}: {blocks} x {kind}, {width} ch" + (", /2" if stride > 1 else "")


def _layers(g: ZooGenotype) -> list[str]:
    """Stem, stages and head labels, input to logits."""
    w, d = g.width_multiplier, g.depth_multiplier
    numbers = [int(n) for n in re.findall(r"\d+", g.variant)]
    if g.family in ("resnet", "wideresnet"):
        resnet = g.family == "resnet"
        blocks = scale_repeats((numbers[0] - (2 if resnet else 4)) // 6, d)
        widths = RESNET_WIDTHS if resnet else tuple(x * numbers[1] for x in WRN_WIDTHS)
        kind = ("SE " if g.se else "") + ("basic block" if resnet else "wide block")
        stem = round_channels((RESNET_WIDTHS[0] if resnet else WRN_STEM) * w)
        labels = [f"stem conv3, {stem} ch"]
        labels += [
            _stage(i + 1, blocks, kind, round_channels(x * w), 2 if i else 1)
            for i, x in enumerate(widths)
        ]
        return [*labels, "global average pool", "linear"]
    if g.family == "vgg":
        labels = [
            _stage(i + 1, scale_repeats(n, d), "conv3-bn-relu", round_channels(x * w), 1)
            + ", max pool /2"
            for i, (x, n) in enumerate(zip(VGG_WIDTHS, VGG_CONVS[g.variant], strict=True))
        ]
        return [*labels, "global average pool", "linear"]
    if g.family == "mlp":
        layers, units = scale_repeats(numbers[0], d), round_channels(numbers[1] * w)
        return ["flatten", f"{layers} x linear-bn-relu, {units} units", "linear"]
    if g.family == "efficientnet":
        labels = [f"stem conv3, {round_channels(B0_STEM * w)} ch, SiLU"]
        labels += [
            _stage(i + 1, scale_repeats(n, d), f"MBConv{t} k{k} + SE", round_channels(c * w), s)
            for i, (t, k, s, c, n) in enumerate(B0_STAGES)
        ]
        head = f"conv1, {round_channels(B0_LAST * w)} ch"
        return [*labels, head, "global average pool", "dropout", "linear"]
    if g.variant == "v2":
        labels = [f"stem conv3, {round_channels(V2_STEM * w)} ch, ReLU6"]
        labels += [
            _stage(i + 1, scale_repeats(n, d), f"inverted residual x{t}", round_channels(c * w), s)
            for i, (t, c, n, s) in enumerate(V2_STAGES)
        ]
        return [
            *labels,
            f"conv1, {round_channels(V2_LAST * w)} ch",
            "global average pool",
            "linear",
        ]
    labels = [f"stem conv3, {round_channels(V3_STEM * w)} ch, h-swish"]
    for i, stage in enumerate(v3_stages()):
        stage_blocks = v3_stage_blocks(stage, d)
        kernel, _, c_out, se, hswish, stride = stage_blocks[0]
        kind = f"inverted residual k{kernel}" + (" + SE" if se else "")
        label = _stage(i + 1, len(stage_blocks), kind, round_channels(c_out * w), stride)
        labels.append(label + (", h-swish" if hswish else ", ReLU"))
    head = f"linear {round_channels(V3_HEAD * w)}, h-swish"
    conv = f"conv1, {round_channels(V3_LAST * w)} ch"
    return [*labels, conv, "global average pool", head, "dropout", "linear"]


def zoo_graph(genotype: ZooGenotype) -> dict[str, Any]:
    """``{"kind": "zoo", "nodes": [{"id", "label"}], "edges": [...]}``, a chain of blocks."""
    labels = ["input", *_layers(genotype)]
    nodes = [{"id": i, "label": label} for i, label in enumerate(labels)]
    edges = [{"source": i, "target": i + 1, "label": ""} for i in range(len(labels) - 1)]
    return {"kind": "zoo", "title": genotype.describe(), "nodes": nodes, "edges": edges}
