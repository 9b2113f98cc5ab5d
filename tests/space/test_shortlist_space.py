"""The shortlist space (stage 2 of a sequential pipeline): given architectures x training."""

from __future__ import annotations

import numpy as np
import pytest

from netsynth.space.architecture_space import make_architecture_space
from netsynth.space.chain_genotype import ChainGenotype, Layer
from netsynth.space.genotype import GenotypeError
from netsynth.space.shortlist_space import ShortlistSpace
from netsynth.space.training_space import Range, TrainingSpaceConfig

CONV = ChainGenotype((Layer("conv", 8, 3),))
DENSE = ChainGenotype((Layer("dense", 16),))
WIDE = ChainGenotype((Layer("conv", 32, 5), Layer("dense", 16)))
TRAINING = TrainingSpaceConfig(
    optimizer=["adamw", "sgd"], lr=Range(low=1e-3, high=1e-1, log=True), epochs=3
)


def space() -> ShortlistSpace:
    return ShortlistSpace.of([(4, CONV), (9, DENSE), (2, WIDE)], TRAINING)


def test_decode_and_params_of_round_trip() -> None:
    shortlist = space()
    rng = np.random.default_rng(0)
    seen = set()
    for _ in range(50):
        params = shortlist.flat().sample(rng)
        genotype, training = shortlist.decode(params)
        seen.add(genotype.hash())
        assert training.epochs == 3
        assert ("momentum" in params) == (training.optimizer == "sgd")
        assert shortlist.params_of(genotype, training) == params
    assert seen == {CONV.hash(), DENSE.hash(), WIDE.hash()}


def test_rebuilt_from_its_config() -> None:
    rebuilt = make_architecture_space(space().to_dict())
    assert isinstance(rebuilt, ShortlistSpace)
    assert [c.trial for c in rebuilt.candidates] == [4, 9, 2]
    assert rebuilt.flat().to_dict() == space().flat().to_dict()


def test_structured_view_stays_on_the_shortlist() -> None:
    shortlist = space()
    rng = np.random.default_rng(1)
    assert shortlist.mutate(CONV, rng).hash() in {DENSE.hash(), WIDE.hash()}
    assert {g.hash() for g in shortlist.neighbours(DENSE)} == {CONV.hash(), WIDE.hash()}
    assert shortlist.encode(WIDE).tolist() == [0.0, 0.0, 1.0]
    assert shortlist.graph(CONV)["kind"] == "chain"
    with pytest.raises(GenotypeError, match="not on the shortlist"):
        shortlist.encode(ChainGenotype((Layer("dense", 99),)))


def test_a_trial_not_on_the_shortlist_is_refused() -> None:
    params = {**space().flat().sample(np.random.default_rng(2)), "architecture": 5}
    with pytest.raises(GenotypeError, match=r"not on the shortlist \(trials 4, 9, 2\)"):
        space().decode(params)
    with pytest.raises(ValueError, match="distinct"):
        ShortlistSpace.of([(1, CONV), (1, DENSE)], TRAINING)


def test_one_architecture_is_a_fixed_choice() -> None:
    single = ShortlistSpace.of([(7, CONV)], TRAINING)
    assert "architecture" not in single.flat()
    genotype, _ = single.decode(single.flat().sample(np.random.default_rng(0)))
    assert genotype.hash() == CONV.hash()
