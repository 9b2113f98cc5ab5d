"""The candidate operations of cell and graph spaces, for 1-D and 2-D maps alike.

Every op maps ``C`` channels to ``C`` channels; with ``stride=2`` it halves each spatial axis
(rounding up), so any two ops of a node line up. Names follow DARTS and NAS-Bench-201:

    none            zero (the edge is absent)
    skip_connect    identity; with stride 2 a factorized reduction (two offset 1x1 convs)
    max_pool_3x3    3-wide max pooling        avg_pool_3x3    3-wide average pooling
    sep_conv_3x3    two depthwise-separable convs (ReLU-dw-pw-BN, twice)   sep_conv_5x5
    dil_conv_3x3    one dilated depthwise-separable conv (dilation 2)       dil_conv_5x5
    conv_1x1        ReLU-conv-BN, kernel 1    conv_3x3        ReLU-conv-BN, kernel 3

``affine=False`` drops the batch-norm scale and shift, as weight-sharing supernets do.

>>> import torch
>>> op = make_op("sep_conv_3x3", channels=8, stride=2, dims=1)
>>> op(torch.zeros(2, 8, 41)).shape
torch.Size([2, 8, 21])
"""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import nn

PARAMETER_FREE = ("none", "skip_connect", "max_pool_3x3", "avg_pool_3x3")


def conv(dims: int) -> type[nn.Conv1d] | type[nn.Conv2d]:
    return nn.Conv1d if dims == 1 else nn.Conv2d


def batch_norm(channels: int, dims: int, affine: bool = True) -> nn.Module:
    return (nn.BatchNorm1d if dims == 1 else nn.BatchNorm2d)(channels, affine=affine)


class Zero(nn.Module):
    def __init__(self, stride: int) -> None:
        super().__init__()
        self.stride = stride

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.stride == 1:
            return x.mul(0.0)
        if x.ndim == 3:
            return x[:, :, :: self.stride].mul(0.0)
        return x[:, :, :: self.stride, :: self.stride].mul(0.0)


class FactorizedReduce(nn.Module):
    """Halve the spatial size with two 1x1 convs of stride 2, the second offset by one
    position, concatenated: no information is simply dropped, unlike a strided 1x1 conv."""

    def __init__(self, c_in: int, c_out: int, dims: int, affine: bool = True) -> None:
        super().__init__()
        if c_out < 2:
            raise ValueError(f"FactorizedReduce needs c_out >= 2 (two halves), got {c_out}")
        self.dims = dims
        self.relu = nn.ReLU()
        half = c_out // 2
        self.conv_a = conv(dims)(c_in, half, 1, stride=2, bias=False)
        self.conv_b = conv(dims)(c_in, c_out - half, 1, stride=2, bias=False)
        self.bn = batch_norm(c_out, dims, affine)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.relu(x)
        shifted = x[..., 1:] if self.dims == 1 else x[..., 1:, 1:]
        shifted = F.pad(shifted, (0, 1) * self.dims)  # same length as x, so both halve alike
        return self.bn(torch.cat([self.conv_a(x), self.conv_b(shifted)], dim=1))


def relu_conv_bn(
    c_in: int, c_out: int, kernel: int, stride: int, dims: int, affine: bool = True
) -> nn.Module:
    return nn.Sequential(
        nn.ReLU(),
        conv(dims)(c_in, c_out, kernel, stride=stride, padding=kernel // 2, bias=False),
        batch_norm(c_out, dims, affine),
    )


def _dil_conv(c: int, kernel: int, stride: int, dims: int, affine: bool) -> nn.Module:
    padding = 2 * (kernel - 1) // 2
    return nn.Sequential(
        nn.ReLU(),
        conv(dims)(c, c, kernel, stride=stride, padding=padding, dilation=2, groups=c, bias=False),
        conv(dims)(c, c, 1, bias=False),
        batch_norm(c, dims, affine),
    )


def _sep_conv(c: int, kernel: int, stride: int, dims: int, affine: bool) -> nn.Module:
    padding = kernel // 2
    return nn.Sequential(
        nn.ReLU(),
        conv(dims)(c, c, kernel, stride=stride, padding=padding, groups=c, bias=False),
        conv(dims)(c, c, 1, bias=False),
        batch_norm(c, dims, affine),
        nn.ReLU(),
        conv(dims)(c, c, kernel, stride=1, padding=padding, groups=c, bias=False),
        conv(dims)(c, c, 1, bias=False),
        batch_norm(c, dims, affine),
    )


def _pool(kind: str, stride: int, dims: int) -> nn.Module:
    if kind == "max":
        return (nn.MaxPool1d if dims == 1 else nn.MaxPool2d)(3, stride=stride, padding=1)
    avg = nn.AvgPool1d if dims == 1 else nn.AvgPool2d
    return avg(3, stride=stride, padding=1, count_include_pad=False)


OpFactory = Callable[[int, int, int, bool], nn.Module]  # (channels, stride, dims, affine)

OPS: dict[str, OpFactory] = {
    "none": lambda c, s, d, a: Zero(s),
    "skip_connect": lambda c, s, d, a: nn.Identity() if s == 1 else FactorizedReduce(c, c, d, a),
    "max_pool_3x3": lambda c, s, d, a: _pool("max", s, d),
    "avg_pool_3x3": lambda c, s, d, a: _pool("avg", s, d),
    "sep_conv_3x3": lambda c, s, d, a: _sep_conv(c, 3, s, d, a),
    "sep_conv_5x5": lambda c, s, d, a: _sep_conv(c, 5, s, d, a),
    "dil_conv_3x3": lambda c, s, d, a: _dil_conv(c, 3, s, d, a),
    "dil_conv_5x5": lambda c, s, d, a: _dil_conv(c, 5, s, d, a),
    "conv_1x1": lambda c, s, d, a: relu_conv_bn(c, c, 1, s, d, a),
    "conv_3x3": lambda c, s, d, a: relu_conv_bn(c, c, 3, s, d, a),
}


def make_op(
    name: str, channels: int, stride: int = 1, dims: int = 2, affine: bool = True
) -> nn.Module:
    """The op ``name`` on ``channels`` channels of ``dims``-D maps (``dims`` 1 or 2)."""
    if name not in OPS:
        raise ValueError(f"unknown op {name!r}; known: {', '.join(OPS)}")
    if dims not in (1, 2):
        raise ValueError(f"ops work on 1-D or 2-D maps, got dims={dims}")
    return OPS[name](channels, stride, dims, affine)
