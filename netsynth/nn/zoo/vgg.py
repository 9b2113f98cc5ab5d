"""VGG-style networks (Simonyan & Zisserman 2015) with batch norm, at a quarter of VGG's widths
(16 to 128 channels) for small inputs: five stages of 3x3 conv-bn-relu layers, each followed
by 2x max pooling while the map is long enough; then global average and one linear layer
(the CIFAR adaptation, instead of VGG's three 4096-unit layers).
"""

from __future__ import annotations

from torch import nn

from netsynth.nn.classifier_net import ClassifierNet, global_pool
from netsynth.nn.zoo.blocks import (
    SpatialTracker,
    conv_bn_act,
)
from netsynth.space.zoo_genotype import ZooGenotype
from netsynth.space.zoo_tables import VGG_CONVS, VGG_WIDTHS, round_channels, scale_repeats


def build_vgg(
    genotype: ZooGenotype, input_shape: tuple[int, ...], num_classes: int
) -> ClassifierNet:
    dims = len(input_shape) - 1
    tracker = SpatialTracker(input_shape[1:])
    pool = nn.MaxPool1d if dims == 1 else nn.MaxPool2d
    channels = input_shape[0]
    layers: list[nn.Module] = []
    for width, convs in zip(VGG_WIDTHS, VGG_CONVS[genotype.variant], strict=True):
        out = round_channels(width * genotype.width_multiplier)
        for _ in range(scale_repeats(convs, genotype.depth_multiplier)):
            layers.append(conv_bn_act(channels, out, 3, 1, dims))
            channels = out
        if tracker.stride(2) == 2:
            layers.append(pool(2, ceil_mode=True))
    return ClassifierNet(
        nn.Sequential(*layers), global_pool(dims), nn.Linear(channels, num_classes)
    )
