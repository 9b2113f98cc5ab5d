"""Dimension-generic building blocks shared by the zoo families.

``dims`` is 1 for sequences ``(N, C, L)`` and 2 for images ``(N, C, H, W)``; every block picks
``Conv1d``/``Conv2d`` (and the matching norm and pooling) from it.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch
from torch import nn

from netsynth.nn.classifier_net import ClassifierNet
from netsynth.nn.ops import batch_norm, conv
from netsynth.space.zoo_tables import round_channels

# Small inputs (MNIST-1D's length 40, digits' 8x8): a stage halves the map only while it is
# at least this long, so the last stages of deep families run at 2 (or 3) positions.
MIN_SIZE_TO_DOWNSAMPLE = 4


class SpatialTracker:
    """Follows the smallest spatial extent through the network, so a stage downsamples only
    while the map is long enough."""

    def __init__(self, spatial: tuple[int, ...]) -> None:
        self.size = min(spatial)

    def stride(self, wanted: int) -> int:
        """``wanted`` (1 or 2) if the map can take it; the map's size afterwards is tracked."""
        if wanted == 1 or self.size < MIN_SIZE_TO_DOWNSAMPLE:
            return 1
        self.size = math.ceil(self.size / 2)
        return 2


def conv_bn_act(
    c_in: int,
    c_out: int,
    kernel: int,
    stride: int,
    dims: int,
    act: Callable[[], nn.Module] | None = nn.ReLU,
    groups: int = 1,
) -> nn.Sequential:
    """Conv (padding ``kernel // 2``) - batch norm - activation (none when ``act`` is None)."""
    layers: list[nn.Module] = [
        conv(dims)(c_in, c_out, kernel, stride, kernel // 2, groups=groups, bias=False),
        batch_norm(c_out, dims),
    ]
    if act is not None:
        layers.append(act())
    return nn.Sequential(*layers)


def stem(
    input_shape: tuple[int, ...], channels: float, act: Callable[[], nn.Module]
) -> tuple[int, SpatialTracker, int, list[nn.Module]]:
    """How the inverted-residual families begin: ``dims``, a tracker of the map's size, the
    stem's channels and the layer list holding the stem (3x3 stride-1 conv - batch norm -
    ``act``, to ``channels`` rounded to a multiple of 8)."""
    dims, out = len(input_shape) - 1, round_channels(channels)
    layers: list[nn.Module] = [conv_bn_act(input_shape[0], out, 3, 1, dims, act)]
    return dims, SpatialTracker(input_shape[1:]), out, layers


class SqueezeExcite(nn.Module):
    """Channel attention: global average -> bottleneck -> gate in (0, 1) -> rescale."""

    def __init__(
        self,
        channels: int,
        squeezed: int,
        dims: int,
        act: Callable[[], nn.Module] = nn.ReLU,
        gate: Callable[[], nn.Module] = nn.Sigmoid,
    ) -> None:
        super().__init__()
        self.dims = dims
        self.reduce = conv(dims)(channels, squeezed, 1)
        self.act = act()
        self.expand = conv(dims)(squeezed, channels, 1)
        self.gate = gate()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        pooled = x.mean(dim=tuple(range(2, 2 + self.dims)), keepdim=True)  # (N, C, 1[, 1])
        weights: torch.Tensor = self.gate(self.expand(self.act(self.reduce(pooled))))
        return x * weights


ZooNet = ClassifierNet  # the name zoo networks had before chain networks shared the class
