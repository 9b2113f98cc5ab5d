"""DARTS's bilevel optimization: weights w on the training split, alpha on the validation split.

First order: alternate one alpha step on L_val(w, alpha) and one w step on L_train(w, alpha).
Second order (Liu et al. 2019, eq. 7-8): alpha follows the gradient of L_val at the weights
after one virtual SGD step, w' = w - xi * grad_w L_train(w, alpha):

    grad_alpha L_val(w', alpha) - xi * H v,   v = grad_w' L_val(w', alpha),
    H v ~= (grad_alpha L_train(w+, alpha) - grad_alpha L_train(w-, alpha)) / (2 eps),
    w+- = w +- eps v,  eps = 0.01 / ||v||   (a finite-difference Hessian-vector product).
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn
from torch.func import functional_call

Batch = tuple[torch.Tensor, torch.Tensor]
Params = dict[str, torch.Tensor]
# (model, params, batch) -> loss: the loss of the model with ``params`` substituted.
LossFn = Callable[[nn.Module, Params, Batch], torch.Tensor]


def cross_entropy(model: nn.Module, params: Params, batch: Batch) -> torch.Tensor:
    x, y = batch
    return nn.functional.cross_entropy(functional_call(model, params, (x,)), y)


def split_params(model: nn.Module, arch: str = "alpha") -> tuple[Params, Params]:
    """(network weights w, architecture weights) of ``model`` by name."""
    named = dict(model.named_parameters())
    return {k: v for k, v in named.items() if k != arch}, {arch: named[arch]}


def second_order_alpha_grad(
    model: nn.Module,
    train_batch: Batch,
    val_batch: Batch,
    xi: float,
    loss_fn: LossFn = cross_entropy,
    arch: str = "alpha",
) -> torch.Tensor:
    """The unrolled hypergradient d L_val(w - xi grad_w L_train(w, a), a) / d a with the
    finite-difference Hessian-vector product (no second derivatives are taken)."""
    w, a = split_params(model, arch)
    names = list(w)
    alpha = a[arch]
    detached_w = {k: v.detach().requires_grad_() for k, v in w.items()}
    # w' = w - xi * grad_w L_train(w, alpha)
    grads = torch.autograd.grad(
        loss_fn(model, {**detached_w, arch: alpha.detach()}, train_batch),
        [detached_w[k] for k in names],
        allow_unused=True,
    )
    unrolled = {
        k: (detached_w[k] - xi * g if g is not None else detached_w[k]).detach().requires_grad_()
        for k, g in zip(names, grads, strict=True)
    }
    alpha_leaf = alpha.detach().requires_grad_()
    val_loss = loss_fn(model, {**unrolled, arch: alpha_leaf}, val_batch)
    *v, d_alpha = torch.autograd.grad(
        val_loss, [unrolled[k] for k in names] + [alpha_leaf], allow_unused=True
    )
    vs = [torch.zeros_like(unrolled[k]) if g is None else g for k, g in zip(names, v, strict=True)]
    norm = torch.sqrt(sum((g * g).sum() for g in vs))  # type: ignore[arg-type]
    eps = 0.01 / (float(norm) + 1e-12)

    def train_alpha_grad(sign: float) -> torch.Tensor:
        shifted = {k: w[k].detach() + sign * eps * g for k, g in zip(names, vs, strict=True)}
        leaf = alpha.detach().requires_grad_()
        (grad,) = torch.autograd.grad(loss_fn(model, {**shifted, arch: leaf}, train_batch), [leaf])
        return grad

    hessian_v = (train_alpha_grad(1.0) - train_alpha_grad(-1.0)) / (2 * eps)
    d_alpha = torch.zeros_like(alpha) if d_alpha is None else d_alpha
    return d_alpha - xi * hessian_v


def alpha_step(
    model: nn.Module,
    arch_optimizer: torch.optim.Optimizer,
    train_batch: Batch,
    val_batch: Batch,
    *,
    order: int,
    xi: float,
    loss_fn: LossFn = cross_entropy,
) -> None:
    """One step of alpha on the validation batch (first or second order)."""
    alpha = dict(model.named_parameters())["alpha"]
    arch_optimizer.zero_grad(set_to_none=True)
    if order == 2:
        alpha.grad = second_order_alpha_grad(model, train_batch, val_batch, xi, loss_fn)
    else:
        loss = loss_fn(model, dict(model.named_parameters()), val_batch)
        loss.backward(inputs=[alpha])  # type: ignore[no-untyped-call]
    arch_optimizer.step()


def weight_step(
    model: nn.Module,
    optimizer: torch.optim.Optimizer,
    batch: Batch,
    weights: list[nn.Parameter],
    *,
    clip: float = 5.0,
    loss_fn: LossFn = cross_entropy,
) -> float:
    """One SGD step of the weights w on a training batch (gradient clipped as in DARTS)."""
    optimizer.zero_grad(set_to_none=True)
    loss = loss_fn(model, dict(model.named_parameters()), batch)
    loss.backward(inputs=weights)  # type: ignore[no-untyped-call]
    nn.utils.clip_grad_norm_(weights, clip)
    optimizer.step()
    return float(loss.detach())
