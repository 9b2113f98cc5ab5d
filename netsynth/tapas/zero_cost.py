"""Zero-cost proxies: score an untrained network from one minibatch, no training.

- ``synflow`` (Tanaka et al. 2020; Abdelfattah et al. 2021): sum of |θ · ∂R/∂θ| where R is the
  output sum of the network with |θ| weights on an all-ones input (data-free).
- ``naswot`` (Mellor et al. 2021): log|det K| of the Hamming-similarity kernel of the ReLU
  on/off codes of the batch.
- ``snip`` (Lee et al. 2019): sum of |θ · ∂L/∂θ|.
- ``grad_norm``: the L2 norm of ∂L/∂θ.
- ``params``: the parameter count, the baseline every proxy must beat.

>>> import torch
>>> from netsynth.nn.build import build
>>> from netsynth.space.chain_genotype import ChainGenotype, Layer
>>> net = build(ChainGenotype((Layer("conv", 8, 3),)), (1, 40), 10)
>>> x, y = torch.randn(16, 1, 40), torch.randint(0, 10, (16,))
>>> sorted(score_all(net, x, y))
['grad_norm', 'naswot', 'params', 'snip', 'synflow']
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable

import numpy as np
import torch
from torch import nn


def _loss_grads(
    model: nn.Module, x: torch.Tensor, y: torch.Tensor
) -> list[tuple[torch.Tensor, torch.Tensor]]:
    model.zero_grad(set_to_none=True)
    nn.functional.cross_entropy(model(x), y).backward()
    return [(p, p.grad) for p in model.parameters() if p.grad is not None]


def snip(model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> float:
    return float(sum(float((p * g).abs().sum().detach()) for p, g in _loss_grads(model, x, y)))


def grad_norm(model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> float:
    return float(math.sqrt(sum(float((g**2).sum()) for _, g in _loss_grads(model, x, y))))


def synflow(model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> float:
    net = copy.deepcopy(model).double().eval()  # eval: batch norm uses its (unit) statistics
    with torch.no_grad():
        for p in net.parameters():
            p.abs_()
    net.zero_grad(set_to_none=True)
    net(torch.ones((1, *x.shape[1:]), dtype=torch.float64)).sum().backward()
    total = sum(
        float((p * p.grad).abs().sum().detach()) for p in net.parameters() if p.grad is not None
    )
    return math.log(total + 1e-30)  # the raw sum overflows easily; log keeps the order


def naswot(model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> float:
    codes: list[torch.Tensor] = []

    def hook(_: nn.Module, __: object, out: torch.Tensor) -> None:
        codes.append((out.detach().reshape(len(out), -1) > 0).float())

    handles = [m.register_forward_hook(hook) for m in model.modules() if isinstance(m, nn.ReLU)]
    try:
        with torch.no_grad():
            model(x)
    finally:
        for h in handles:
            h.remove()
    if not codes:  # no ReLU: the kernel of the raw output signs
        with torch.no_grad():
            codes.append((model(x) > 0).float())
    c = torch.cat(codes, 1).double()
    kernel = c @ c.T + (1 - c) @ (1 - c).T  # agreements = units minus Hamming distance
    return float(torch.linalg.slogdet(kernel)[1])


def params(model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> float:
    return float(sum(p.numel() for p in model.parameters()))


PROXIES: dict[str, Callable[[nn.Module, torch.Tensor, torch.Tensor], float]] = {
    "synflow": synflow,
    "naswot": naswot,
    "snip": snip,
    "grad_norm": grad_norm,
    "params": params,
}


def score_all(model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> dict[str, float]:
    """Every proxy's score of ``model`` (train mode, as built) on the batch ``x``, ``y``."""
    model.train()
    out = {name: proxy(model, x, y) for name, proxy in PROXIES.items()}
    return {k: v if np.isfinite(v) else -1e30 for k, v in out.items()}
