"""Stochastic depth (Huang et al. 2016), as EfficientNet trains its MBConv blocks: while
training, each example's residual branch is dropped with probability ``p`` and kept ones are
scaled by 1 / (1 - p), so the expected output is unchanged; at evaluation it is the identity.

>>> import torch
>>> drop = StochasticDepth(0.5).eval()
>>> bool(torch.equal(drop(torch.ones(4, 3)), torch.ones(4, 3)))
True
>>> out = StochasticDepth(0.5).train()(torch.ones(1000, 3))
>>> sorted({float(v) for v in out.unique()}), bool(torch.all(out == out[:, :1]))
([0.0, 2.0], True)
"""

from __future__ import annotations

import torch
from torch import nn


class StochasticDepth(nn.Module):
    """Drops the whole branch of an example, not single units (that is dropout)."""

    def __init__(self, p: float) -> None:
        super().__init__()
        if not 0.0 <= p < 1.0:
            raise ValueError(f"stochastic depth probability must be in [0, 1), got {p}")
        self.p = p

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.training or self.p == 0.0:
            return x
        keep = 1.0 - self.p
        mask = x.new_empty((x.shape[0],) + (1,) * (x.dim() - 1)).bernoulli_(keep)
        return x * mask / keep

    def extra_repr(self) -> str:
        return f"p={self.p}"
