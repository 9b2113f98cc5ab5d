"""The estimator of a run: the objective given, or the one the experiment stored."""

from __future__ import annotations

import pytest

import netsynth
from netsynth.estimation.command import CommandEstimator
from netsynth.estimation.function import FunctionEstimator
from netsynth.runner.stored_estimator import estimator_for, estimator_from_config


def test_a_stored_command_estimator_is_rebuilt() -> None:
    rebuilt = estimator_from_config(CommandEstimator(["echo", "1"], cwd="/tmp").to_dict())
    assert isinstance(rebuilt, CommandEstimator)
    assert (rebuilt.command, rebuilt.cwd) == (["echo", "1"], "/tmp")


def test_nothing_stored_rebuilds_nothing() -> None:
    assert estimator_from_config(None) is None and estimator_from_config({}) is None


def test_an_unknown_stored_type_is_named() -> None:
    with pytest.raises(netsynth.ExperimentError, match="unknown estimator type 'nope'"):
        estimator_from_config({"type": "nope"})


def test_a_function_is_wrapped_and_an_estimator_kept() -> None:
    record = netsynth.create_experiment().record
    assert isinstance(estimator_for(lambda t: 0.0, record), FunctionEstimator)
    command = CommandEstimator(["echo"])
    assert estimator_for(command, record) is command


def test_no_objective_and_none_stored_says_what_to_do() -> None:
    record = netsynth.create_experiment("scripted").record
    with pytest.raises(netsynth.ExperimentError, match="has no stored objective"):
        estimator_for(None, record)


def test_an_objective_that_is_neither_is_refused() -> None:
    record = netsynth.create_experiment().record
    with pytest.raises(netsynth.ExperimentError, match="must be a function or an Estimator"):
        estimator_for(42, record)  # type: ignore[arg-type]
