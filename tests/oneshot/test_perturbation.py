"""Perturbation-based selection (DARTS-PT) picks, per edge, the op the supernet needs most."""

from __future__ import annotations

from pathlib import Path

import torch
from torch import nn

from netsynth.estimation.train_loop import TensorSplit
from netsynth.oneshot.perturbation import PerturbationSelection
from netsynth.oneshot.supernet import NB201Supernet
from netsynth.space.nb201_genotype import NB201Genotype
from netsynth.space.space_kinds import genotype_from_dict
from tests.oneshot.conftest import OPS, estimator, make_trial, space


class PlantedSupernet(NB201Supernet):
    """Classifies correctly only while every edge keeps weight on its planted op; alpha
    prefers other ops, so the argmax of alpha would be wrong on every edge."""

    def __init__(self, planted: list[int]) -> None:
        super().__init__(OPS, (1, 8), 4, 4, 1)
        self.planted = planted
        with torch.no_grad():
            self.alpha.copy_(torch.eye(len(OPS))[[(k + 1) % len(OPS) for k in planted]] * 3)
        self.tuned: list[torch.Tensor] = []

    def forward(
        self,
        x: torch.Tensor,
        choice: object = None,
        *,
        mix: torch.Tensor | None = None,
        skip_zeros: bool = False,
    ) -> torch.Tensor:
        assert mix is not None
        intact = all(float(mix[e, k]) > 0 for e, k in enumerate(self.planted))
        labels = x[:, 0, 0].long()
        return nn.functional.one_hot(labels if intact else (labels + 1) % 4, 4).float()


def test_each_edge_gets_the_op_whose_removal_costs_most_accuracy() -> None:
    planted = [2, 1, 3, 2, 2, 1]  # indices into OPS: never "none" (0)
    net = PlantedSupernet(planted)
    labels = torch.arange(40) % 4
    val = TensorSplit(labels.float().view(-1, 1, 1).expand(-1, 1, 8).contiguous(), labels)
    tuned: list[torch.Tensor] = []
    selection = PerturbationSelection(
        net, val, lambda mix: tuned.append(mix.clone()), torch.Generator().manual_seed(0)
    )
    genotype = selection.select()
    assert genotype.ops == tuple(OPS[k] for k in planted)
    assert net.derive(net.probabilities()).ops != genotype.ops  # alpha's argmax is wrong
    assert selection.accuracy(selection.mix) == 1.0
    assert len(tuned) == 6  # the weights are fine-tuned after every edge is discretized
    assert all(
        torch.equal(row, torch.eye(len(OPS))[k]) for row, k in zip(tuned[-1], planted, strict=True)
    )


def test_a_perturbation_search_ends_with_a_valid_cell_without_none(
    dataset: Path, tmp_path: Path
) -> None:
    trial, _ = make_trial()
    metrics = estimator(dataset, tmp_path, remedy="perturbation", tune_steps=3).estimate(trial)
    genotype = genotype_from_dict(trial.attrs["genotype"])
    assert isinstance(genotype, NB201Genotype) and "none" not in genotype.ops
    space().flat().validate(space().params_of(genotype, space().decode(trial.params)[1]))
    # the reported accuracy is the discretized, fine-tuned supernet's
    assert metrics["val_acc"] > 0.3
