"""Layer constructors for 1-D (sequence) and 2-D (image) inputs, and dense layers.

Every spatial op keeps the spatial size ("same" padding) except pools, which halve it.
"""

from __future__ import annotations

from torch import nn

from netsynth.space.chain_genotype import Layer

_ACTIVATIONS: dict[str, type[nn.Module]] = {
    "relu": nn.ReLU,
    "gelu": nn.GELU,
    "silu": nn.SiLU,
    "elu": nn.ELU,
    "tanh": nn.Tanh,
}


def activation(name: str) -> nn.Module:
    return _ACTIVATIONS[name]()


def _conv(dims: int) -> type[nn.Conv1d] | type[nn.Conv2d]:
    return nn.Conv1d if dims == 1 else nn.Conv2d


def _norm(kind: str, channels: int, dims: int) -> list[nn.Module]:
    if kind == "batch":
        return [nn.BatchNorm1d(channels) if dims <= 1 else nn.BatchNorm2d(channels)]
    if kind == "layer":
        # Over channels (and positions) per sample; GroupNorm(1, C) is LayerNorm for conv maps.
        return [nn.LayerNorm(channels) if dims == 0 else nn.GroupNorm(1, channels)]
    return []


def _dropout(p: float, dims: int) -> list[nn.Module]:
    if p <= 0:
        return []
    return [nn.Dropout(p) if dims == 0 else (nn.Dropout1d(p) if dims == 1 else nn.Dropout2d(p))]


def spatial_layer(layer: Layer, in_channels: int, dims: int, width_multiplier: float) -> nn.Module:
    """A conv / separable conv / pool layer for ``dims``-dimensional maps (1 or 2)."""
    if layer.op == "maxpool":
        pool = nn.MaxPool1d if dims == 1 else nn.MaxPool2d
        return pool(layer.kernel, stride=2, ceil_mode=True)
    if layer.op == "avgpool":
        avg = nn.AvgPool1d if dims == 1 else nn.AvgPool2d
        return avg(layer.kernel, stride=2, ceil_mode=True)
    width = scaled(layer.width, width_multiplier)
    conv = _conv(dims)
    bias = layer.norm == "none"  # a norm right after makes the bias redundant
    if layer.op == "conv":
        body: list[nn.Module] = [conv(in_channels, width, layer.kernel, padding="same", bias=bias)]
    else:  # sepconv: depthwise then pointwise
        body = [
            conv(
                in_channels,
                in_channels,
                layer.kernel,
                padding="same",
                groups=in_channels,
                bias=False,
            ),
            conv(in_channels, width, 1, bias=bias),
        ]
    body += _norm(layer.norm, width, dims)
    body.append(activation(layer.activation))
    body += _dropout(layer.dropout, dims)
    return nn.Sequential(*body)


def dense_layer(layer: Layer, in_features: int, width_multiplier: float) -> nn.Module:
    width = scaled(layer.width, width_multiplier)
    body: list[nn.Module] = [nn.Linear(in_features, width, bias=layer.norm == "none")]
    body += _norm(layer.norm, width, 0)
    body.append(activation(layer.activation))
    body += _dropout(layer.dropout, 0)
    return nn.Sequential(*body)


def scaled(width: int, multiplier: float) -> int:
    """A width under the width multiplier of a lower-fidelity trial (at least 4)."""
    return width if multiplier == 1.0 else max(4, round(width * multiplier))


def out_channels(layer: Layer, in_channels: int, width_multiplier: float) -> int:
    return (
        in_channels if layer.op in ("maxpool", "avgpool") else scaled(layer.width, width_multiplier)
    )
