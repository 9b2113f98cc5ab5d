"""An EfficientNet-B0-like network (Tan & Le 2019): MBConv blocks with squeeze-and-excitation
and SiLU, B0's stage table; the depth multiplier scales each stage's repeats (rounded up, as
EfficientNet's compound scaling does). Adapted to small inputs: a stride-1 stem, and a
stride-2 stage halves the map only while it is long enough. Stochastic depth as in the
reference implementation: block i of n drops its residual branch with probability
0.2 * i / n while training.

conv3 (32) ─► 16 MBConv blocks (zoo_tables.B0_STAGES) ─► 1x1 conv (1280) ─► pool
           ─► dropout ─► linear
"""

from __future__ import annotations

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
from netsynth.space.zoo_tables import B0_LAST, B0_STAGES, B0_STEM, round_channels, scale_repeats

SE_RATIO = 0.25  # of the block's input channels, as in the paper
DROPOUT = 0.2
STOCHASTIC_DEPTH = 0.2  # B0's drop-connect rate: the last block's; earlier ones drop less


def build_efficientnet(
    genotype: ZooGenotype, input_shape: tuple[int, ...], num_classes: int
) -> ClassifierNet:
    width = genotype.width_multiplier
    dims, tracker, channels, layers = stem(input_shape, B0_STEM * width, nn.SiLU)
    blocks = sum(scale_repeats(stage[-1], genotype.depth_multiplier) for stage in B0_STAGES)
    for expand, kernel, s, c_out, repeats in B0_STAGES:
        out = round_channels(c_out * width)
        for index in range(scale_repeats(repeats, genotype.depth_multiplier)):
            stride = tracker.stride(s if index == 0 else 1)
            drop = STOCHASTIC_DEPTH * (len(layers) - 1) / blocks
            spec = InvertedResidualSpec(
                channels,
                channels * expand,
                out,
                kernel,
                stride,
                squeezed_channels(channels, SE_RATIO),
                nn.SiLU,
                se_act=nn.SiLU,
                stochastic_depth=drop,
            )
            layers.append(InvertedResidual(spec, dims))
            channels = out
    last = round_channels(B0_LAST * width)
    layers.append(conv_bn_act(channels, last, 1, 1, dims, nn.SiLU))
    classifier = nn.Sequential(nn.Dropout(DROPOUT), nn.Linear(last, num_classes))
    return ClassifierNet(nn.Sequential(*layers), global_pool(dims), classifier)
