"""The network every chain and zoo genotype builds to: features, global pooling, classifier.

input (N, *input_shape) ─► features ─► pool (N, C) ─► classifier ─► logits (N, classes)

The three parts keep these names in every state dict (``features.*``, ``pool.*``,
``classifier.*``), which weight inheritance and stored weights rely on.
"""

from __future__ import annotations

import torch
from torch import nn


class ClassifierNet(nn.Module):
    """``features`` (spatial layers, or a stem and stages) -> ``pool`` (global pooling and
    flatten, or identity for tables) -> ``classifier`` (dense layers and the last linear)."""

    def __init__(self, features: nn.Module, pool: nn.Module, classifier: nn.Module) -> None:
        super().__init__()
        self.features = features
        self.pool = pool
        self.classifier = classifier

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out: torch.Tensor = self.classifier(self.pool(self.features(x)))
        return out


def global_pool(dims: int, kind: str = "avg") -> nn.Sequential:
    """(N, C, *spatial) -> (N, C): adaptive ``kind`` ("avg" or "max") pooling to one position
    per channel, then flatten; ``dims`` is 1 for sequences, 2 for images."""
    if kind == "avg":
        pool: nn.Module = nn.AdaptiveAvgPool1d(1) if dims == 1 else nn.AdaptiveAvgPool2d(1)
    else:
        pool = nn.AdaptiveMaxPool1d(1) if dims == 1 else nn.AdaptiveMaxPool2d(1)
    return nn.Sequential(pool, nn.Flatten())
