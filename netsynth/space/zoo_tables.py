"""The zoo families' published stage tables, and the channel and repeat rounding they use;
torch-free, so spaces can describe a network (``zoo_graph``) without building it."""

from __future__ import annotations

import math

# Channel counts are rounded to multiples of this (as MobileNet and EfficientNet do).
CHANNEL_DIVISOR = 8

RESNET_WIDTHS = (16, 32, 64)  # CIFAR ResNet stages
WRN_STEM = 16
WRN_WIDTHS = (16, 32, 64)  # times the widen factor k

# VGG at a quarter of its widths; convolutions per stage of configurations A, B and D.
VGG_WIDTHS = (16, 32, 64, 128, 128)
VGG_CONVS = {"11": (1, 1, 2, 2, 2), "13": (2, 2, 2, 2, 2), "16": (2, 2, 3, 3, 3)}

# MobileNetV2 stages: expansion t, output channels c, repeats n, first stride s.
V2_STAGES = (
    (1, 16, 1, 1),
    (6, 24, 2, 2),
    (6, 32, 3, 2),
    (6, 64, 4, 2),
    (6, 96, 3, 1),
    (6, 160, 3, 2),
    (6, 320, 1, 1),
)
V2_STEM, V2_LAST = 32, 1280

# MobileNetV3-small blocks: kernel, expanded channels, output channels, SE, h-swish, stride.
V3_SMALL_BLOCKS = (
    (3, 16, 16, True, False, 2),
    (3, 72, 24, False, False, 2),
    (3, 88, 24, False, False, 1),
    (5, 96, 40, True, True, 2),
    (5, 240, 40, True, True, 1),
    (5, 240, 40, True, True, 1),
    (5, 120, 48, True, True, 1),
    (5, 144, 48, True, True, 1),
    (5, 288, 96, True, True, 2),
    (5, 576, 96, True, True, 1),
    (5, 576, 96, True, True, 1),
)
V3_STEM, V3_LAST, V3_HEAD = 16, 576, 1024

# EfficientNet-B0 stages: expansion, kernel, first stride, output channels, repeats.
B0_STAGES = (
    (1, 3, 1, 16, 1),
    (6, 3, 2, 24, 2),
    (6, 5, 2, 40, 2),
    (6, 3, 2, 80, 3),
    (6, 5, 1, 112, 3),
    (6, 5, 2, 192, 4),
    (6, 3, 1, 320, 1),
)
B0_STEM, B0_LAST = 32, 1280

V3Block = tuple[int, int, int, bool, bool, int]


def round_channels(channels: float, divisor: int = CHANNEL_DIVISOR) -> int:
    """``channels`` rounded to a multiple of ``divisor`` (at least ``divisor``), never more
    than 10% below the exact value (MobileNet's ``make_divisible``)."""
    rounded = max(divisor, int(channels + divisor / 2) // divisor * divisor)
    return rounded + divisor if rounded < 0.9 * channels else rounded


def scale_repeats(repeats: int, depth_multiplier: float) -> int:
    """Blocks in a stage under a depth multiplier (rounded up, at least one)."""
    return max(1, math.ceil(repeats * depth_multiplier))


def v3_stages() -> list[list[V3Block]]:
    """V3-small's blocks grouped into stages of equal output width (for the depth multiplier)."""
    stages: list[list[V3Block]] = []
    for block in V3_SMALL_BLOCKS:
        if stages and stages[-1][-1][2] == block[2]:
            stages[-1].append(block)
        else:
            stages.append([block])
    return stages


def v3_stage_blocks(stage: list[V3Block], depth_multiplier: float) -> list[V3Block]:
    """A V3 stage under a depth multiplier: deeper repeats its last block, shallower keeps
    its first blocks."""
    repeats = scale_repeats(len(stage), depth_multiplier)
    return stage[:repeats] + [stage[-1]] * (repeats - len(stage))
