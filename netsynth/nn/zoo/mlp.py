"""A multilayer perceptron for tabular data: ``L`` hidden layers of ``U`` units (variant
``"LxU"``), each linear-bn-relu; sequences and images are flattened first.
"""

from __future__ import annotations

import math
import re

from torch import nn

from netsynth.nn.classifier_net import ClassifierNet
from netsynth.space.zoo_genotype import ZooGenotype
from netsynth.space.zoo_tables import round_channels, scale_repeats


def build_mlp(
    genotype: ZooGenotype, input_shape: tuple[int, ...], num_classes: int
) -> ClassifierNet:
    match = re.fullmatch(r"(\d+)x(\d+)", genotype.variant)
    assert match is not None  # the genotype checked its variant
    layers = scale_repeats(int(match[1]), genotype.depth_multiplier)
    units = round_channels(int(match[2]) * genotype.width_multiplier)
    features = math.prod(input_shape)
    hidden: list[nn.Module] = []
    for _ in range(layers):
        hidden += [nn.Linear(features, units, bias=False), nn.BatchNorm1d(units), nn.ReLU()]
        features = units
    flatten = nn.Flatten()  # (N, *input_shape) -> (N, F)
    return ClassifierNet(
        nn.Sequential(flatten, *hidden), nn.Identity(), nn.Linear(features, num_classes)
    )
