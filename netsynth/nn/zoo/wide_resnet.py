"""WideResNet WRN-d-k (Zagoruyko & Komodakis 2016): pre-activation basic blocks in three
stages of 16k, 32k and 64k channels, ``n = (d - 4) / 6`` blocks each.

input ─► conv3 (16) ─► stage 16k ─► stage 32k (/2) ─► stage 64k (/2) ─► bn-relu
      ─► global average ─► linear
"""

from __future__ import annotations

import re

import torch
from torch import nn

from netsynth.nn.classifier_net import ClassifierNet, global_pool
from netsynth.nn.ops import batch_norm, conv
from netsynth.nn.zoo.blocks import (
    SpatialTracker,
)
from netsynth.space.zoo_genotype import ZooGenotype
from netsynth.space.zoo_tables import WRN_STEM, WRN_WIDTHS, round_channels, scale_repeats


class WideBlock(nn.Module):
    """bn-relu-conv3-bn-relu-conv3 added to the input (a 1x1 conv when shapes change)."""

    def __init__(self, c_in: int, c_out: int, stride: int, dims: int) -> None:
        super().__init__()
        self.pre = nn.Sequential(batch_norm(c_in, dims), nn.ReLU())
        self.residual = nn.Sequential(
            conv(dims)(c_in, c_out, 3, stride, 1, bias=False),
            batch_norm(c_out, dims),
            nn.ReLU(),
            conv(dims)(c_out, c_out, 3, 1, 1, bias=False),
        )
        self.shortcut: nn.Module | None = None
        if stride != 1 or c_in != c_out:
            self.shortcut = conv(dims)(c_in, c_out, 1, stride, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        activated = self.pre(x)
        # As in the reference code: a projection shortcut reads the pre-activated input.
        skip = x if self.shortcut is None else self.shortcut(activated)
        out: torch.Tensor = self.residual(activated) + skip
        return out


def build_wide_resnet(
    genotype: ZooGenotype, input_shape: tuple[int, ...], num_classes: int
) -> ClassifierNet:
    dims = len(input_shape) - 1
    tracker = SpatialTracker(input_shape[1:])
    match = re.fullmatch(r"(\d+)-(\d+)", genotype.variant)
    assert match is not None  # the genotype checked its variant
    depth, widen = int(match[1]), int(match[2])
    blocks = scale_repeats((depth - 4) // 6, genotype.depth_multiplier)
    widths = [round_channels(w * widen * genotype.width_multiplier) for w in WRN_WIDTHS]
    channels = round_channels(WRN_STEM * genotype.width_multiplier)
    layers: list[nn.Module] = [conv(dims)(input_shape[0], channels, 3, 1, 1, bias=False)]
    for stage, width in enumerate(widths):
        for index in range(blocks):
            stride = tracker.stride(2 if stage > 0 and index == 0 else 1)
            layers.append(WideBlock(channels, width, stride, dims))
            channels = width
    layers += [batch_norm(channels, dims), nn.ReLU()]
    return ClassifierNet(
        nn.Sequential(*layers), global_pool(dims), nn.Linear(channels, num_classes)
    )
