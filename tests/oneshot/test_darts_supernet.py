"""The DARTS cell-space supernet: alpha learns, and the derived genotype builds."""

from __future__ import annotations

import torch

from netsynth.nn import build
from netsynth.oneshot.bilevel import alpha_step
from netsynth.oneshot.darts_supernet import DartsCellSupernet
from netsynth.space.cell_genotype import Cell, CellGenotype
from netsynth.space.space_kinds import genotype_from_dict

OPS = ("none", "skip_connect", "sep_conv_3x3", "max_pool_3x3")


def test_alpha_gets_gradients_and_the_derived_cell_is_a_valid_genotype() -> None:
    torch.manual_seed(0)
    cell = Cell(((("skip_connect", 0), ("skip_connect", 1)),) * 2)
    skeleton = CellGenotype(cell, cell, (1, 1), 4)
    net = DartsCellSupernet(OPS, skeleton, (1, 8), 3)
    batch = (torch.randn(4, 1, 8), torch.randint(0, 3, (4,)))
    for order in (1, 2):
        optimizer = torch.optim.Adam([net.alpha], lr=0.05)
        alpha_step(net, optimizer, batch, batch, order=order, xi=0.05)
        assert net.alpha.grad is not None and net.alpha.grad[1].abs().sum() > 0
    genotype = net.derive(net.probabilities())
    assert genotype_from_dict(genotype.to_dict()) == genotype
    for node_index, node in enumerate(genotype.normal.nodes):
        assert all(op != "none" for op, _ in node)
        assert len({source for _, source in node}) == 2 and max(s for _, s in node) < node_index + 2
    assert build(genotype, (1, 8), 3)(batch[0]).shape == (4, 3)


def test_ops_weighted_zero_are_skipped_without_changing_the_output() -> None:
    torch.manual_seed(0)
    cell = Cell(((("skip_connect", 0), ("skip_connect", 1)),) * 2)
    net = DartsCellSupernet(OPS, CellGenotype(cell, cell, (1, 1), 4), (1, 9), 3).eval()
    x = torch.randn(4, 1, 9)  # odd: a switched-off strided edge must still give ceil(9 / 2)
    mix = net.probabilities().detach().clone()
    mix[:, ::2] = 0.0  # every other edge discretized to sep_conv, in both cells
    mix[:, ::2, 2] = 1.0
    mix[1, 1] = 0.0  # a strided reduction edge switched off: its zeros keep the right shape
    skipped = net(x, mix=mix, skip_zeros=True)
    every_op = net(x, mix=mix)  # the default: every op runs (no device sync in training)
    assert torch.allclose(skipped, every_op, atol=1e-6)

    net.train()
    net(x, mix=mix, skip_zeros=True).sum().backward()
    reduction = next(c for c in net.cells if any(e.stride == 2 for e in c.edges))
    sep_conv, factorized_skip = 2, 1

    def has_grad(edge: int, op: int) -> bool:
        return all(p.grad is not None for p in reduction.edges[edge].ops[op].parameters())

    assert has_grad(0, sep_conv) and not has_grad(0, factorized_skip)  # discretized
    assert not has_grad(1, sep_conv) and not has_grad(1, factorized_skip)  # switched off
    assert has_grad(3, sep_conv) and has_grad(3, factorized_skip)  # still mixed
