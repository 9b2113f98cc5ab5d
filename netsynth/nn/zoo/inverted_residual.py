"""The inverted residual block of MobileNetV2/V3 and EfficientNet (MBConv): expand with a 1x1
conv, filter with a depthwise conv, optionally squeeze-and-excite, project with a linear 1x1
conv; added to the input when the shapes agree.

(N, C, *S) ─► 1x1 expand (C*t) ─► kxk depthwise (stride s) ─► [SE] ─► 1x1 project (C') ─(+x)─►
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import nn

from netsynth.nn.zoo.blocks import SqueezeExcite, conv_bn_act
from netsynth.nn.zoo.stochastic_depth import StochasticDepth
from netsynth.space.zoo_tables import round_channels


@dataclass(frozen=True)
class InvertedResidualSpec:
    """One block: expanded and output channels, kernel, stride, SE squeeze width (0: no SE),
    the activation, and the SE's own activation and gate (MobileNetV3 squeezes with ReLU and
    gates with a hard sigmoid; EfficientNet uses SiLU and a sigmoid); the probability that
    stochastic depth drops the block's residual branch while training (EfficientNet)."""

    c_in: int
    expanded: int
    c_out: int
    kernel: int
    stride: int
    squeezed: int
    act: Callable[[], nn.Module]
    se_act: Callable[[], nn.Module] = nn.ReLU
    se_gate: Callable[[], nn.Module] = nn.Sigmoid
    stochastic_depth: float = 0.0


class InvertedResidual(nn.Module):
    def __init__(self, spec: InvertedResidualSpec, dims: int) -> None:
        super().__init__()
        layers: list[nn.Module] = []
        if spec.expanded != spec.c_in:
            layers.append(conv_bn_act(spec.c_in, spec.expanded, 1, 1, dims, spec.act))
        layers.append(
            conv_bn_act(
                spec.expanded,
                spec.expanded,
                spec.kernel,
                spec.stride,
                dims,
                spec.act,
                groups=spec.expanded,
            )
        )
        if spec.squeezed:
            layers.append(
                SqueezeExcite(spec.expanded, spec.squeezed, dims, spec.se_act, spec.se_gate)
            )
        layers.append(conv_bn_act(spec.expanded, spec.c_out, 1, 1, dims, act=None))
        self.body = nn.Sequential(*layers)
        self.use_residual = spec.stride == 1 and spec.c_in == spec.c_out
        # only a block with a shortcut can drop its branch: the example still passes through
        self.drop = (
            StochasticDepth(spec.stochastic_depth)
            if self.use_residual and spec.stochastic_depth
            else nn.Identity()
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out: torch.Tensor = self.body(x)
        return self.drop(out) + x if self.use_residual else out


def squeezed_channels(channels: int, ratio: float) -> int:
    """SE bottleneck width: ``channels * ratio`` rounded to a multiple of 8."""
    return round_channels(channels * ratio)
