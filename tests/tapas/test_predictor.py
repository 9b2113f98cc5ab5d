from __future__ import annotations

import numpy as np
import pytest
import torch
from scipy.stats import kendalltau

from netsynth.space.chain_genotype import ChainGenotype
from netsynth.space.chain_space import ChainSpace, ChainSpaceConfig
from netsynth.tapas.lde_record import LDERecord
from netsynth.tapas.predictor import TAP, TAPConfig, rank_loss

SPACE = ChainSpace(ChainSpaceConfig(max_layers=5, widths=[8, 16, 32, 64]))


def _planted(genotype: ChainGenotype, dcn: float) -> float:
    """A planted relation: more conv width helps, each pool hurts, harder datasets score less."""
    conv = sum(np.log2(la.width) for la in genotype.layers if la.op in ("conv", "sepconv"))
    pools = sum(la.op == "maxpool" for la in genotype.layers)
    return float(np.clip(0.9 - 0.5 * dcn + 0.02 * conv - 0.08 * pools, 0.12, 0.99))


def _records(n: int, seed: int) -> list[LDERecord]:
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n):
        genotype = SPACE.repair(SPACE.sample(rng), (1, 40))
        dcn = float(rng.choice([0.1, 0.4, 0.7]))
        acc = _planted(genotype, dcn)
        out.append(
            LDERecord(f"d{dcn}", dcn, 10, (1, 40), genotype.to_dict(), {}, acc, [], 0, str(i))
        )
    return out


@pytest.mark.usefixtures("one_torch_thread")
def test_a_tap_trained_on_a_planted_relation_learns_it() -> None:
    tap = TAP(TAPConfig(), seed=0).fit(_records(300, seed=0))
    test = _records(100, seed=1)
    for dcn in (0.1, 0.7):
        genotypes = [r.genotype for r in test]
        truth = [_planted(ChainGenotype.from_dict(g), dcn) for g in genotypes]
        predicted = tap.predict(genotypes, dcn=dcn, input_shape=(1, 40), num_classes=10)
        assert kendalltau(predicted, truth).statistic > 0.6
        assert np.abs(predicted - truth).mean() < 0.05
    easy = tap.predict([test[0].genotype], dcn=0.1, input_shape=(1, 40), num_classes=10)
    hard = tap.predict([test[0].genotype], dcn=0.7, input_shape=(1, 40), num_classes=10)
    assert easy[0] > hard[0]  # it uses the DCN


@pytest.mark.usefixtures("one_torch_thread")
def test_predictions_are_deterministic_and_at_least_chance() -> None:
    records = _records(40, seed=2)
    a = TAP(TAPConfig(epochs=20), seed=5).fit(records)
    b = TAP(TAPConfig(epochs=20), seed=5).fit(records)
    genotypes = [r.genotype for r in records]
    pa = a.predict(genotypes, dcn=0.4, input_shape=(1, 40), num_classes=10)
    assert np.array_equal(pa, b.predict(genotypes, dcn=0.4, input_shape=(1, 40), num_classes=10))
    assert pa.min() >= 0.1 and pa.max() <= 1.0


def test_the_ranking_loss_counts_only_pairs_of_one_dataset_in_the_wrong_order() -> None:
    target = torch.tensor([0.9, 0.5, 0.2, 0.8])
    group = torch.tensor([0, 0, 0, 1])  # the last network is of another dataset
    right = rank_loss(torch.tensor([0.9, 0.5, 0.2, 0.0]), target, group)
    wrong = rank_loss(torch.tensor([0.2, 0.5, 0.9, 0.0]), target, group)
    assert right < 0.01 < 1.0 < wrong
    # the other dataset's network, however it is predicted, changes nothing
    assert rank_loss(torch.tensor([0.9, 0.5, 0.2, 1.0]), target, group) == right
    assert rank_loss(torch.tensor([0.5, 0.5]), torch.tensor([0.6, 0.4]), torch.tensor([0, 1])) == 0
