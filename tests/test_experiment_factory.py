"""``create_experiment`` takes the spec's names: ``parameters=`` for the flat space
(``space=``, its old name, works with a deprecation warning), ``architecture=``,
``strategy=``; a changed search is refused in those names."""

from __future__ import annotations

import pytest

import netsynth
from netsynth.deprecation import NetsynthDeprecationWarning
from netsynth.experiment_factory import SearchChangedError

FLAT = {"x": {"type": "float", "low": -1.0, "high": 1.0}}


def test_parameters_declare_the_flat_space() -> None:
    experiment = netsynth.create_experiment(parameters=FLAT, seed=0)
    assert experiment.space is not None and list(experiment.space) == ["x"]
    assert experiment.record.config["space"] == netsynth.SearchSpace.from_dict(FLAT).to_dict()


def test_the_old_space_keyword_still_works_with_a_deprecation_warning() -> None:
    with pytest.warns(NetsynthDeprecationWarning, match=r"use create_experiment\(parameters="):
        old = netsynth.create_experiment(space=FLAT, seed=0)
    new = netsynth.create_experiment(parameters=FLAT, seed=0)
    assert old.record.config == new.record.config
    with pytest.raises(TypeError, match="parameters= only"):
        netsynth.create_experiment(parameters=FLAT, space=FLAT)


def test_a_changed_search_is_named_as_the_user_names_it(sqlite_url: str) -> None:
    netsynth.create_experiment("e", storage=sqlite_url, parameters=FLAT, seed=0)
    wider = {"x": {"type": "float", "low": -2.0, "high": 1.0}}
    with pytest.raises(SearchChangedError) as error:
        netsynth.create_experiment(
            "e", storage=sqlite_url, parameters=wider, strategy="tpe", load_if_exists=True
        )
    assert error.value.fields == ["space", "strategy"]  # the stored keys
    assert error.value.names == ["parameters", "strategy"]
    assert "exists with different parameters, strategy" in str(error.value)


@pytest.mark.parametrize("keyword", ["max_wall_seconds", "timeout"])
def test_the_search_time_budget_has_the_spec_name_and_optuna_alias(keyword: str) -> None:
    experiment = netsynth.create_experiment(
        parameters={"x": {"type": "float", "low": 0, "high": 1}}
    )
    experiment.run(lambda trial: trial.params["x"], max_trials=3, progress=False, **{keyword: 60})
    assert experiment.record.config["budget"]["max_wall_seconds"] == 60


def test_the_search_time_budget_is_given_once() -> None:
    experiment = netsynth.create_experiment(
        parameters={"x": {"type": "float", "low": 0, "high": 1}}
    )
    with pytest.raises(TypeError, match="max_wall_seconds= or its alias timeout="):
        experiment.run(lambda trial: 0.0, max_wall_seconds=5, timeout=5, progress=False)
