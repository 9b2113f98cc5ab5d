"""The DARTS cell-space supernet: alpha learns, and the derived genotype builds."""

from __future__ import annotations

import torch

from netsynth.nn import build
from netsynth.oneshot.bilevel import alpha_step
from netsynth.oneshot.darts_supernet import DartsCellSupernet
from netsynth.space.cell_genotype import Cell, CellGenotype
from netsynth.space.genotype import genotype_from_dict

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
