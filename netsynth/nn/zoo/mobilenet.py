"""MobileNetV2 (Sandler et al. 2018) and MobileNetV3-small (Howard et al. 2019), adapted to
small inputs: the stem keeps the resolution (stride 1, as CIFAR adaptations do) and a
stride-2 block halves the map only while it is long enough.

V2: conv3 (32) ─► 17 inverted residuals (ReLU6; zoo_tables.V2_STAGES) ─► 1x1 conv (1280)
    ─► pool ─► linear
V3-small: conv3 (16, h-swish) ─► 11 blocks (ReLU / h-swish, SE on most) ─► 1x1 conv (576)
          ─► pool ─► linear (1024, h-swish) ─► dropout ─► linear
"""

from __future__ import annotations

from collections.abc import Callable

from torch import nn

from netsynth.nn.classifier_net import ClassifierNet, global_pool
from netsynth.nn.zoo.blocks import (
    conv_bn_act,
    stem,
)
from netsynth.nn.zoo.inverted_residual import (
    InvertedResidual,
    InvertedResidualSpec,
    squeezed_channels,
)
from netsynth.space.zoo_genotype import ZooGenotype
from netsynth.space.zoo_tables import (
    V2_LAST,
    V2_STAGES,
    V2_STEM,
    V3_HEAD,
    V3_LAST,
    V3_STEM,
    round_channels,
    scale_repeats,
    v3_stage_blocks,
    v3_stages,
)

V3_SE_RATIO = 0.25  # of the expanded channels
V3_DROPOUT = 0.2


def build_mobilenet(
    genotype: ZooGenotype, input_shape: tuple[int, ...], num_classes: int
) -> ClassifierNet:
    if genotype.variant == "v2":
        return _build_v2(genotype, input_shape, num_classes)
    return _build_v3_small(genotype, input_shape, num_classes)


def _build_v2(
    genotype: ZooGenotype, input_shape: tuple[int, ...], num_classes: int
) -> ClassifierNet:
    width = genotype.width_multiplier
    dims, tracker, channels, layers = stem(input_shape, V2_STEM * width, nn.ReLU6)
    for t, c, n, s in V2_STAGES:
        out = round_channels(c * width)
        for index in range(scale_repeats(n, genotype.depth_multiplier)):
            stride = tracker.stride(s if index == 0 else 1)
            spec = InvertedResidualSpec(channels, channels * t, out, 3, stride, 0, nn.ReLU6)
            layers.append(InvertedResidual(spec, dims))
            channels = out
    last = round_channels(V2_LAST * width)
    layers.append(conv_bn_act(channels, last, 1, 1, dims, nn.ReLU6))
    return ClassifierNet(nn.Sequential(*layers), global_pool(dims), nn.Linear(last, num_classes))


def _build_v3_small(
    genotype: ZooGenotype, input_shape: tuple[int, ...], num_classes: int
) -> ClassifierNet:
    width = genotype.width_multiplier
    dims, tracker, channels, layers = stem(input_shape, V3_STEM * width, nn.Hardswish)
    for stage in v3_stages():
        blocks = v3_stage_blocks(stage, genotype.depth_multiplier)
        for index, (kernel, expanded, c_out, se, hswish, s) in enumerate(blocks):
            act: Callable[[], nn.Module] = nn.Hardswish if hswish else nn.ReLU
            wide = round_channels(expanded * width)
            squeezed = squeezed_channels(wide, V3_SE_RATIO) if se else 0
            stride = tracker.stride(s if index == 0 else 1)
            out = round_channels(c_out * width)
            spec = InvertedResidualSpec(
                channels, wide, out, kernel, stride, squeezed, act, se_gate=nn.Hardsigmoid
            )
            layers.append(InvertedResidual(spec, dims))
            channels = out
    last = round_channels(V3_LAST * width)
    layers.append(conv_bn_act(channels, last, 1, 1, dims, nn.Hardswish))
    head = round_channels(V3_HEAD * width)
    classifier = nn.Sequential(
        nn.Linear(last, head), nn.Hardswish(), nn.Dropout(V3_DROPOUT), nn.Linear(head, num_classes)
    )
    return ClassifierNet(nn.Sequential(*layers), global_pool(dims), classifier)
