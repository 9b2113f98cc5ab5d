"""The second-order hypergradient against a direct autograd computation, on a tiny network."""

from __future__ import annotations

import torch
from torch import nn

from netsynth.oneshot.bilevel import cross_entropy, second_order_alpha_grad


class TinyMixed(nn.Module):
    """Two candidate ops (a linear map and tanh of another) mixed by softmax(alpha)."""

    def __init__(self) -> None:
        super().__init__()
        self.a = nn.Linear(5, 3, dtype=torch.float64)
        self.b = nn.Linear(5, 3, dtype=torch.float64)
        self.alpha = nn.Parameter(torch.tensor([0.3, -0.2], dtype=torch.float64))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        w = torch.softmax(self.alpha, dim=0)
        return w[0] * self.a(x) + w[1] * torch.tanh(self.b(x))


def test_second_order_hypergradient_matches_autograd() -> None:
    torch.manual_seed(0)
    model = TinyMixed()
    train = (torch.randn(16, 5, dtype=torch.float64), torch.randint(0, 3, (16,)))
    val = (torch.randn(16, 5, dtype=torch.float64), torch.randint(0, 3, (16,)))
    xi = 0.5
    approx = second_order_alpha_grad(model, train, val, xi)

    # Direct: differentiate L_val(w - xi * grad_w L_train(w, a), a) through the unrolled step.
    named = dict(model.named_parameters())
    alpha = named["alpha"].detach().clone().requires_grad_()
    w = {k: v.detach() for k, v in named.items() if k != "alpha"}
    w_leaves = {k: v.clone().requires_grad_() for k, v in w.items()}
    train_loss = cross_entropy(model, {**w_leaves, "alpha": alpha}, train)
    g = torch.autograd.grad(train_loss, list(w_leaves.values()), create_graph=True)
    unrolled = {k: v - xi * gk for (k, v), gk in zip(w_leaves.items(), g, strict=True)}
    (exact,) = torch.autograd.grad(cross_entropy(model, {**unrolled, "alpha": alpha}, val), [alpha])

    first_order_only = torch.autograd.grad(
        cross_entropy(model, {**w, "alpha": alpha}, val), [alpha]
    )[0]
    assert not torch.allclose(exact, first_order_only, rtol=1e-2)  # the HVP term matters here
    relative = float((approx - exact).norm() / exact.norm())
    assert relative <= 1e-3, relative
