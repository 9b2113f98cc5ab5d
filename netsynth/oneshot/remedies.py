"""A remedy for DARTS's collapse to parameter-free ops: early stopping (DARTS+, Liang et al.
2019). Plain DARTS keeps shifting probability onto parameter-free ops as the supernet's
weights fit (the NAS-Bench-201 paper measured its cells at 54.30% on CIFAR-10: all skip
connections; on our MNIST-1D table it is ``none``, cells cut off from their input). DARTS+
stops the search once the derived (normal) cell holds too many of them, and here keeps the
cell derived just before that. When the very first cell is already collapsed there is none
before it: the cell is then derived with P-DARTS's cap (Chen et al. 2019), the edges beyond
the allowed number that chose a collapse op take their best other op instead. The other
remedy, perturbation-based selection, is in ``netsynth.oneshot.perturbation``.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch

from netsynth.oneshot.darts_supernet import Supernet
from netsynth.oneshot.derive import OneShotGenotype, normal_cell_ops

COLLAPSE_OPS = ("none", "skip_connect")


class EarlyStop:
    """``check(genotype)`` -> True once the search should stop: the derived cell has more than
    ``max_edges`` edges with an op of ``ops``; ``genotype`` is then the last cell derived
    before the collapse (None when it collapsed from the start: see ``capped``).

    >>> from netsynth.space.nb201_genotype import NB201Genotype
    >>> stop = EarlyStop(max_edges=2)
    >>> stop.check(NB201Genotype(("conv_3x3",) * 5 + ("none",)))
    False
    >>> stop.check(NB201Genotype(("skip_connect", "none") * 3)), stop.genotype.ops[0]
    (True, 'conv_3x3')
    """

    def __init__(self, max_edges: int, ops: Sequence[str] = COLLAPSE_OPS) -> None:
        self.max_edges = max_edges
        self.ops = tuple(ops)
        self.genotype: OneShotGenotype | None = None

    def collapsed(self, genotype: OneShotGenotype) -> bool:
        return sum(op in self.ops for op in normal_cell_ops(genotype)) > self.max_edges

    def check(self, genotype: OneShotGenotype) -> bool:
        if self.collapsed(genotype):
            return True
        self.genotype = genotype
        return False

    def capped(self, supernet: Supernet, probabilities: torch.Tensor) -> OneShotGenotype:
        """The genotype of ``probabilities`` where at most ``max_edges`` edges (those most
        sure of it) keep a collapse op as their strongest; the others lose those ops."""
        p = probabilities.detach().reshape(-1, len(supernet.op_names)).clone()
        collapse = [k for k, op in enumerate(supernet.op_names) if op in self.ops]
        strongest, best = p.max(dim=1)
        rows = sorted(
            (r for r in range(len(p)) if int(best[r]) in collapse),
            key=lambda r: -float(strongest[r]),
        )
        for row in rows[max(self.max_edges, 0) :]:
            p[row, collapse] = 0.0
        return supernet.derive(p.reshape(probabilities.shape))
