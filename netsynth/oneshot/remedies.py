"""A remedy for DARTS's collapse to parameter-free ops: early stopping (DARTS+, Liang et al.
2019). Plain DARTS keeps shifting probability onto skip connections as the supernet's weights
fit (the NAS-Bench-201 paper measured the derived cells at 54.30% on CIFAR-10); DARTS+ stops
the search once the derived cell holds two or more skip connections, and here keeps the cell
derived just before that.
"""

from __future__ import annotations

from netsynth.space.nb201_genotype import NB201Genotype


class EarlyStop:
    """``check(genotype)`` -> True once the search should stop; ``genotype`` is then the
    last cell derived before the collapse (the first cell when it collapsed from the start).

    >>> stop = EarlyStop(max_skips=1)
    >>> stop.check(NB201Genotype(("conv_3x3",) * 6))
    False
    >>> stop.check(NB201Genotype(("skip_connect",) * 6)), stop.genotype.ops[0]
    (True, 'conv_3x3')
    """

    def __init__(self, max_skips: int) -> None:
        self.max_skips = max_skips
        self.genotype: NB201Genotype | None = None

    def check(self, genotype: NB201Genotype) -> bool:
        if genotype.ops.count("skip_connect") > self.max_skips:
            if self.genotype is None:
                self.genotype = genotype
            return True
        self.genotype = genotype
        return False
