"""The cost guard: candidates that fit run as proposed, expensive ones are made cheaper by
gentle steps (narrower first), and what cannot train at all is skipped, with the numbers."""

from __future__ import annotations

import math

from netsynth.estimation.cost_model import CostModel
from netsynth.runner.cost_guard import PREDICTED, CostGuard
from netsynth.space.chain_genotype import ChainGenotype, Layer
from netsynth.space.chain_space import ChainSpace, ChainSpaceConfig
from netsynth.strategies.strategy import Candidate
from netsynth.time_limit import TimePlan
from netsynth.training_config import TrainingConfig

# Seconds per forward FLOP of one sample and per step: a simple, known machine.
MODEL = CostModel(train={"flops": 3e-9, "step": 1e-3}, eval={"flops": 1e-9})
DATA = {"input_shape": [1, 16, 16], "num_classes": 4, "sizes": {"train": 2000, "val": 500}}
SPACE = ChainSpace(
    ChainSpaceConfig(
        min_layers=1,
        max_layers=3,
        ops=["conv", "maxpool"],
        kernels=[3],
        widths=[8, 16, 32, 64],
        norms=["batch"],
        dropouts=[0.0],
        activations=["relu"],
        full_resolution_width=None,
        training={"optimizer": "adamw", "lr": 0.01, "batch_size": 100, "epochs": 4, "augment": 0.0},
    )
)
TRAINING = TrainingConfig(lr=0.01, batch_size=100, epochs=4)


def guard(limit: float) -> CostGuard:
    return CostGuard(SPACE, MODEL.to_dict(), DATA, TimePlan.for_limit(limit), workers=1)


def candidate(*widths: int) -> Candidate:
    genotype = ChainGenotype(tuple(Layer("conv", w, 3, norm="batch") for w in widths))
    return Candidate(SPACE.params_of(genotype, TRAINING), {"origin": "test"})


def test_a_candidate_that_fits_runs_as_proposed_with_its_predicted_cost() -> None:
    verdict = guard(3600).check(candidate(8), {}, number=0, search_left=math.inf)
    assert verdict.skipped is None and verdict.candidate.params == candidate(8).params
    assert verdict.attrs[PREDICTED] > 0 and "cost_repair" not in verdict.candidate.attrs


def test_an_expensive_candidate_is_made_cheaper_and_says_what_changed() -> None:
    cost_guard = guard(60)
    proposed = candidate(64, 64, 64)
    before = cost_guard.price(*SPACE.decode(proposed.params), {})
    assert not cost_guard.fits(before)
    verdict = cost_guard.check(proposed, {}, number=1, search_left=math.inf)
    assert verdict.skipped is None and verdict.price is not None
    assert verdict.price.search_trial < before.search_trial
    note = verdict.candidate.attrs["cost_repair"]
    assert note["from"] == SPACE.decode(proposed.params)[0].describe() != note["to"]
    assert verdict.candidate.attrs["origin"] == "test"  # the strategy's notes are kept
    repaired, _ = SPACE.decode(verdict.candidate.params)
    assert repaired.describe() == note["to"]


def test_what_cannot_train_at_all_is_skipped_with_the_numbers() -> None:
    fixed = ChainSpace(
        ChainSpaceConfig(
            min_layers=3,
            max_layers=3,
            ops=["conv"],
            kernels=[3],
            widths=[64],
            norms=["batch"],
            dropouts=[0.0],
            activations=["relu"],
            full_resolution_width=None,
            training={"optimizer": "adamw", "lr": 0.01, "batch_size": 100, "epochs": 4},
        )
    )
    cost_guard = CostGuard(fixed, MODEL.to_dict(), DATA, TimePlan.for_limit(10), workers=1)
    genotype = ChainGenotype(tuple(Layer("conv", 64, 3, norm="batch") for _ in range(3)))
    proposed = Candidate(fixed.params_of(genotype, TRAINING))
    verdict = cost_guard.check(proposed, {}, number=2, search_left=1.0)
    assert verdict.skipped is not None
    assert "skipped before training" in verdict.skipped and "per search epoch" in verdict.skipped
    cheapest = cost_guard.cheapest([(genotype, TRAINING)], {})
    assert "too short" in cost_guard.too_short_message(cheapest)
