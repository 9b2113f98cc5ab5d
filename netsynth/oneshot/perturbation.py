"""Perturbation-based architecture selection (DARTS-PT; Wang et al., ICLR 2021), a remedy for
DARTS's collapse.

Wang et al. show that the magnitude of alpha says little about how much an op contributes
to the supernet: the argmax of alpha is how DARTS ends on parameter-free ops. DARTS-PT
instead picks, edge by edge in random order, the op whose removal from the supernet costs the
most validation accuracy, discretizes that edge to it and fine-tunes the weights for a few
steps before the next edge. For DARTS cells a second pass picks each node's two inputs the
same way (the two edges whose removal costs most). ``none`` is never picked: removing it
changes nothing. The result is the genotype of the discretized supernet.
"""

from __future__ import annotations

from collections.abc import Callable

import torch

from netsynth.estimation.train_loop import TensorSplit
from netsynth.oneshot.darts_supernet import Supernet
from netsynth.oneshot.derive import OneShotGenotype
from netsynth.oneshot.supernet import mixed_accuracy

# fine-tune the supernet's weights for some steps with these op weights (rows, ops)
Tune = Callable[[torch.Tensor], None]


class PerturbationSelection:
    """``select()`` -> the genotype; ``mix`` is then the discretized supernet's op weights."""

    def __init__(
        self,
        supernet: Supernet,
        val: TensorSplit,
        tune: Tune,
        generator: torch.Generator,
        eval_batch: int = 512,
    ) -> None:
        self.supernet = supernet
        self.val = val
        self.tune = tune
        self.generator = generator
        self.node_rows = supernet.node_rows  # DARTS cells: the rows feeding each node
        self.eval_batch = eval_batch
        self.shape = supernet.alpha.shape
        ops = supernet.op_names
        self.candidates = [k for k, op in enumerate(ops) if op != "none"]
        self.mix = supernet.probabilities().detach().reshape(-1, len(ops)).clone()

    def accuracy(self, mix: torch.Tensor) -> float:
        """The supernet's validation accuracy with op weights ``mix`` (rows, ops)."""
        weights = mix.reshape(self.shape)
        return mixed_accuracy(
            self.supernet, self.val, weights, skip_zeros=True, batch_size=self.eval_batch
        )

    def select(self) -> OneShotGenotype:
        rows = self.mix.shape[0]
        for row in torch.randperm(rows, generator=self.generator).tolist():
            self._choose_op(row)
        for k in torch.randperm(len(self.node_rows), generator=self.generator).tolist():
            self._choose_inputs(self.node_rows[k])
        return self.supernet.derive(self.mix.reshape(self.shape))

    def _choose_op(self, row: int) -> None:
        base = self.accuracy(self.mix)
        drops = []
        for k in self.candidates:
            removed = self.mix.clone()
            removed[row, k] = 0.0
            drops.append(base - self.accuracy(removed))
        best = self.candidates[max(range(len(drops)), key=drops.__getitem__)]
        self.mix[row] = 0.0
        self.mix[row, best] = 1.0
        self.tune(self.mix.reshape(self.shape))

    def _choose_inputs(self, rows: list[int], keep: int = 2) -> None:
        base = self.accuracy(self.mix)
        drops = {}
        for row in rows:
            removed = self.mix.clone()
            removed[row] = 0.0
            drops[row] = base - self.accuracy(removed)
        kept = sorted(rows, key=lambda r: -drops[r])[:keep]
        for row in rows:
            if row not in kept:
                self.mix[row] = 0.0
        self.tune(self.mix.reshape(self.shape))
