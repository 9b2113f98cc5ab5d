"""``bananas`` with ``predictor: tap``: the TAP ranks many sampled candidates, the best is
proposed; its own trained trials join the TAP's records; what it cannot rank, it refuses."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from netsynth.space.architecture_space import make_architecture_space
from netsynth.spec import SpecError, compile_spec, parse_spec
from netsynth.strategies.context import StrategyContext
from netsynth.strategies.goal import Goal
from netsynth.strategies.predictor_guided import PredictorGuided
from netsynth.strategies.registry import make_strategy
from netsynth.strategies.representation import Representation
from netsynth.strategies.tap_ranking import TAPRankingError
from netsynth.trial_record import TrialRecord, TrialState

CHAIN = {
    "type": "chain",
    "max_layers": 4,
    "widths": [8, 16, 32],
    "training": {"optimizer": "adamw", "lr": [0.001, 0.01], "batch_size": 64, "epochs": 2},
}
ATTRS = {  # what PREPARING stores for a sequence dataset of middling difficulty
    "data": {"dataset": "seq", "input_shape": [1, 40], "num_classes": 10},
    "dcn": {"dcn": 0.57, "fingerprint": "f00d"},
}


def _strategy(attrs: dict[str, Any] = ATTRS, **settings: Any) -> PredictorGuided:
    context = StrategyContext(Goal(), make_architecture_space(CHAIN), lambda: attrs)
    strategy = make_strategy(
        {"name": "bananas", "predictor": "tap", "candidates": 60, **settings},
        seed=0,
        context=context,
    )
    assert isinstance(strategy, PredictorGuided)
    return strategy


def _trained(strategy: PredictorGuided, number: int, acc: float) -> TrialRecord:
    """A COMPLETE trial of a candidate the strategy proposed, as the training estimator
    leaves it (genotype and training attrs, val_acc)."""
    space = strategy.context.architecture
    assert space is not None
    params = space.flat().sample(np.random.default_rng(100 + number))
    genotype, training = space.decode(params)
    return TrialRecord(
        id=number,
        experiment_id=1,
        number=number,
        state=TrialState.COMPLETE,
        params=params,
        value=acc,
        metrics={"val_acc": acc},
        attrs={"genotype": genotype.to_dict(), "training": training.to_dict()},
    )


@pytest.mark.usefixtures("one_torch_thread")
def test_the_proposal_is_the_best_predicted_of_the_ranked_pool() -> None:
    strategy = _strategy()
    space = strategy.context.architecture.flat()  # type: ignore[union-attr]
    (proposal,) = strategy.propose(space, [], [0])
    assert proposal.attrs["origin"] == "tap" and proposal.attrs["ranked"] == 60
    # no other candidate is predicted higher than the proposal
    ranker = strategy._ranker
    assert ranker is not None
    view = Representation(space, strategy.context.architecture)
    others = [view.sample(np.random.default_rng(7)) for _ in range(40)]
    chosen = view.point(proposal.params)
    predicted = ranker.predict(view, [chosen, *others], [], [0])
    assert predicted[0] == pytest.approx(proposal.attrs["predicted"], abs=1e-6)
    assert predicted[0] >= predicted[1:].max()
    # the same seed and history propose the same (a resumed search agrees)
    assert _strategy().propose(space, [], [0])[0].params == proposal.params


@pytest.mark.usefixtures("one_torch_thread")
def test_its_own_trained_trials_join_the_records_it_learns_from() -> None:
    strategy = _strategy(warmup=2)
    space = strategy.context.architecture.flat()  # type: ignore[union-attr]
    history = [_trained(strategy, n, acc) for n, acc in enumerate([0.9, 0.2, 0.5])]
    proposal = strategy.propose(space, history, [3])[0]
    ranker = strategy._ranker
    assert ranker is not None and ranker._model is not None
    assert ranker._model[0] == (0, 1, 2)  # fitted on the LDE plus trials 0, 1, 2
    assert ranker._model[1].fitted_on == len(ranker._lde_records or []) + 3
    assert proposal.attrs.get("parent") in (None, 0, 2, 1)  # a mutation names its parent


def test_what_it_cannot_rank_is_refused_with_what_to_do() -> None:
    with pytest.raises(ValueError, match="predictor must be 'ensemble' or 'tap'"):
        make_strategy({"name": "bananas", "predictor": "gp"}, seed=0)
    nb201 = StrategyContext(Goal(), make_architecture_space({"type": "nb201"}))
    with pytest.raises(ValueError, match="chain networks only"):
        make_strategy({"name": "bananas", "predictor": "tap"}, seed=0, context=nb201)
    strategy = _strategy(attrs={})
    space = strategy.context.architecture.flat()  # type: ignore[union-attr]
    with pytest.raises(TAPRankingError, match="PREPARING"):
        strategy.propose(space, [], [0])


def test_a_spec_names_the_tap_as_the_predictor(tmp_path: Path) -> None:
    spec = {
        "name": "guided",
        "data": {"dataset": "digits"},
        "space": CHAIN,
        "algorithm": {"name": "bananas", "predictor": "tap", "candidates": 500},
        "budget": {"max_trials": 3},
    }
    compiled = compile_spec(parse_spec(spec), source="s.yaml", base_dir=tmp_path, storage="memory")
    strategy = compiled.experiment.strategy
    assert isinstance(strategy, PredictorGuided)
    assert (strategy.predictor, strategy.candidates) == ("tap", 500)
    assert strategy.to_dict()["predictor"] == "tap"  # stored, so a resume rebuilds it
    cells = {**spec, "space": {"type": "nb201", "init_channels": 4, "cells_per_stage": 1}}
    with pytest.raises(SpecError, match="chain networks only"):
        compile_spec(parse_spec(cells), source="s.yaml", base_dir=tmp_path, storage="memory")


@pytest.mark.usefixtures("one_torch_thread")
def test_a_tap_guided_search_runs_end_to_end_on_what_preparing_stored(tmp_path: Path) -> None:
    spec = {
        "name": "guided",
        "data": {"dataset": "digits"},
        "space": {**CHAIN, "training": {**CHAIN["training"], "lr": 0.01, "epochs": 1}},  # type: ignore[dict-item]
        "algorithm": {"name": "bananas", "predictor": "tap", "candidates": 50, "warmup": 2},
        "budget": {"max_trials": 4},
        "final": {"top_k": 1, "epochs": 1, "export_dir": str(tmp_path / "out")},
        "seed": 0,
    }
    compiled = compile_spec(parse_spec(spec), source="s.yaml", base_dir=tmp_path, storage="memory")
    experiment = compiled.experiment
    assert experiment.run(compiled.estimator, progress=False, **compiled.run_options).value == (
        "COMPLETED"
    ), experiment.record.reason
    trials = experiment.trials()
    assert [t.attrs["origin"] for t in trials] == ["tap"] * 4
    assert all(0.1 <= t.attrs["predicted"] <= 1.0 and "val_acc" in t.metrics for t in trials)
    ranker = experiment.strategy._ranker  # type: ignore[attr-defined]
    assert ranker.facts()[:3] == (experiment.record.attrs["dcn"]["dcn"], (1, 8, 8), 10)
    assert ranker._model[0] == (0, 1, 2)  # the last proposal learned from the three trained
