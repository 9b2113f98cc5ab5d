"""CIFAR-style ResNet (He et al. 2016, section 4.2): a 3x3 stem and three stages of basic
blocks at 16, 32 and 64 channels, ``n = (depth - 2) / 6`` blocks each; ``se=True`` puts
squeeze-and-excitation (Hu et al. 2018) on every block's residual branch.

input (N, C, *S) ─► conv3-bn-relu (16) ─► stage 16 ─► stage 32 (/2) ─► stage 64 (/2)
                 ─► global average ─► linear
"""

from __future__ import annotations

import torch
from torch import nn

from netsynth.nn.classifier_net import ClassifierNet, global_pool
from netsynth.nn.ops import batch_norm, conv
from netsynth.nn.zoo.blocks import (
    SpatialTracker,
    SqueezeExcite,
    conv_bn_act,
)
from netsynth.space.zoo_genotype import ZooGenotype
from netsynth.space.zoo_tables import RESNET_WIDTHS, round_channels, scale_repeats

SE_REDUCTION = 4  # squeezed channels = channels / 4 (16 in the paper is too thin at 16-64 ch)


class BasicBlock(nn.Module):
    """conv3-bn-relu-conv3-bn (+ SE) added to the input (a 1x1 conv-bn when shapes change)."""

    def __init__(self, c_in: int, c_out: int, stride: int, dims: int, se: bool) -> None:
        super().__init__()
        layers: list[nn.Module] = [
            conv_bn_act(c_in, c_out, 3, stride, dims),
            conv_bn_act(c_out, c_out, 3, 1, dims, act=None),
        ]
        if se:
            layers.append(SqueezeExcite(c_out, max(4, c_out // SE_REDUCTION), dims))
        self.residual = nn.Sequential(*layers)
        self.shortcut: nn.Module = nn.Identity()
        if stride != 1 or c_in != c_out:
            self.shortcut = nn.Sequential(
                conv(dims)(c_in, c_out, 1, stride, bias=False), batch_norm(c_out, dims)
            )
        self.relu = nn.ReLU()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out: torch.Tensor = self.relu(self.residual(x) + self.shortcut(x))
        return out


def build_resnet(
    genotype: ZooGenotype, input_shape: tuple[int, ...], num_classes: int
) -> ClassifierNet:
    dims = len(input_shape) - 1
    tracker = SpatialTracker(input_shape[1:])
    blocks = scale_repeats((int(genotype.variant) - 2) // 6, genotype.depth_multiplier)
    widths = [round_channels(w * genotype.width_multiplier) for w in RESNET_WIDTHS]
    layers: list[nn.Module] = [conv_bn_act(input_shape[0], widths[0], 3, 1, dims)]
    channels = widths[0]
    for stage, width in enumerate(widths):
        for index in range(blocks):
            stride = tracker.stride(2 if stage > 0 and index == 0 else 1)
            layers.append(BasicBlock(channels, width, stride, dims, genotype.se))
            channels = width
    return ClassifierNet(
        nn.Sequential(*layers), global_pool(dims), nn.Linear(channels, num_classes)
    )
