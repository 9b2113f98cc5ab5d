"""A remedy for DARTS's collapse to parameter-free ops: early stopping (DARTS+, Liang et al.
2019). Plain DARTS keeps shifting probability onto parameter-free ops as the supernet's
weights fit (the NAS-Bench-201 paper measured its cells at 54.30% on CIFAR-10: all skip
connections; on our MNIST-1D table it is ``none``, cells cut off from their input). DARTS+
stops the search once the derived (normal) cell holds too many of them, and here keeps the
cell derived just before that. The other remedy, perturbation-based selection, is in
``netsynth.oneshot.perturbation``.
"""

from __future__ import annotations

from collections.abc import Sequence

from netsynth.oneshot.derive import OneShotGenotype, normal_cell_ops

COLLAPSE_OPS = ("none", "skip_connect")


class EarlyStop:
    """``check(genotype)`` -> True once the search should stop: the derived cell has more than
    ``max_edges`` edges with an op of ``ops``; ``genotype`` is then the last cell derived
    before the collapse (the first cell when it collapsed from the start).

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
            if self.genotype is None:
                self.genotype = genotype
            return True
        self.genotype = genotype
        return False
