"""The trainer interface: estimators that train networks expose one, others none."""

from __future__ import annotations

from netsynth.estimation.function import FunctionEstimator
from netsynth.estimation.trainer import trainer_of
from netsynth.estimation.training import FIDELITY_KNOBS, DataConfig, TrainingEstimator
from netsynth.schedulers.fidelity import FIDELITIES
from netsynth.space.chain_space import ChainSpace, ChainSpaceConfig
from netsynth.tapas.zero_cost_estimator import ZeroCostEstimator


def _training() -> TrainingEstimator:
    return TrainingEstimator(ChainSpace(ChainSpaceConfig()), DataConfig("digits"))


def test_a_training_estimator_is_its_own_trainer() -> None:
    estimator = _training()
    assert trainer_of(estimator) is estimator


def test_a_train_less_estimator_lends_the_training_estimator_it_decodes_with() -> None:
    training = _training()
    assert trainer_of(ZeroCostEstimator(training, proxy="synflow")) is training


def test_an_objective_that_trains_no_network_has_no_trainer() -> None:
    assert trainer_of(FunctionEstimator(lambda t: 0.0)) is None


def test_the_training_estimator_trains_at_every_fidelity_a_scheduler_may_assign() -> None:
    assert set(FIDELITY_KNOBS) == set(FIDELITIES)
