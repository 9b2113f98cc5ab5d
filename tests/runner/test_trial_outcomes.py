"""What an objective does decides how its trial ends; the experiment goes on either way."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

import netsynth
from netsynth import ExperimentState, TrialState


@pytest.fixture(params=["memory", "sqlite"])
def storage(request: pytest.FixtureRequest, sqlite_url: str) -> str | None:
    return None if request.param == "memory" else sqlite_url


def run(objective: Any, storage: str | None, **options: Any) -> netsynth.Experiment:
    exp = netsynth.create_experiment(storage=storage, seed=1)
    exp.run(objective, progress=False, **options)
    return exp


def test_exception_fails_only_that_trial(storage: str | None) -> None:
    def objective(trial: netsynth.Trial) -> float:
        if trial.number == 2:
            raise RuntimeError("diverged at step 7")
        return trial.suggest_float("x", 0, 1)

    exp = run(objective, storage, max_trials=5)
    failed = exp.trials(states=[TrialState.FAILED])
    assert [t.number for t in failed] == [2]
    assert failed[0].reason == "RuntimeError: diverged at step 7"
    assert "diverged at step 7" in failed[0].attrs["traceback"]
    assert len(exp.trials(states=[TrialState.COMPLETE])) == 5
    assert exp.state is ExperimentState.COMPLETED


@pytest.mark.parametrize(
    ("returned", "reason_part"),
    [
        (float("nan"), "NaN"),
        (None, "returned None"),
        ("0.5", "returned '0.5'"),
        ([1.0], "returned [1.0]"),
        ({"other": 1.0}, "without 'value'"),
        ({"value": "high"}, "not a number"),
        (True, "returned True"),
    ],
)
def test_bad_return_values_fail_the_trial_with_a_reason(
    storage: str | None, returned: Any, reason_part: str
) -> None:
    exp = run(lambda t: returned if t.number == 0 else 1.0, storage, max_trials=2)
    failed = exp.trials(states=[TrialState.FAILED])
    assert [t.number for t in failed] == [0]
    assert reason_part in (failed[0].reason or "")
    assert exp.state is ExperimentState.COMPLETED
    assert len(exp.trials(states=[TrialState.COMPLETE])) == 2  # the failed one was replaced


@pytest.mark.parametrize("value", [math.inf, -math.inf])
def test_infinities_are_stored_exactly(storage: str | None, value: float) -> None:
    exp = run(lambda trial: value, storage, max_trials=1)
    (trial,) = exp.trials()
    assert trial.state is TrialState.COMPLETE
    assert trial.value == value


def test_numpy_and_dict_results_are_accepted(storage: str | None) -> None:
    exp = netsynth.create_experiment(storage=storage, metric="acc", direction="maximize")
    exp.run(
        lambda t: {"acc": np.float32(0.75), "loss": np.float64(0.2)}, max_trials=1, progress=False
    )
    (trial,) = exp.trials()
    assert trial.value == 0.75
    assert trial.metrics == {"acc": 0.75, "loss": pytest.approx(0.2)}


def test_too_many_failures_fail_the_experiment(storage: str | None) -> None:
    def objective(trial: netsynth.Trial) -> float:
        raise ValueError("bad learning rate")

    exp = run(objective, storage, max_trials=10, max_failed_trials=3)
    assert exp.state is ExperimentState.FAILED
    assert "4 trials failed, more than max_failed_trials=3" in (exp.record.reason or "")
    assert "bad learning rate" in (exp.record.reason or "")
    assert len(exp.trials()) == 4  # no trial started after the limit was passed


def test_pruned_by_raising_trial_pruned(storage: str | None) -> None:
    def objective(trial: netsynth.Trial) -> float:
        trial.report(0, value=0.3)
        raise netsynth.TrialPruned()

    exp = run(objective, storage, max_trials=2)
    assert {t.state for t in exp.trials()} == {TrialState.PRUNED}
    assert exp.trials()[0].value == 0.3


def test_reports_are_stored_in_order_with_params(storage: str | None) -> None:
    def objective(trial: netsynth.Trial) -> float:
        lr = trial.suggest_float("lr", 1e-4, 1e-1, log=True)
        for step in range(3):
            trial.report(step, val_loss=1.0 / (step + 1), lr=lr)
        return 1.0

    exp = run(objective, storage, max_trials=1)
    (trial,) = exp.trials()
    assert [r.step for r in trial.reports] == [0, 1, 2]
    assert trial.reports[2].metrics["val_loss"] == pytest.approx(1 / 3)
    assert trial.distributions["lr"] == {"type": "float", "low": 1e-4, "high": 1e-1, "log": True}


def test_bad_reports_raise_in_the_objective_and_fail_the_trial(storage: str | None) -> None:
    exp = run(lambda t: t.report(-1, loss=1.0), storage, max_trials=1)
    assert "step must be an integer >= 0" in (exp.trials()[0].reason or "")
    exp = run(lambda t: t.report(0, loss="high"), storage, max_trials=1)
    assert "metric 'loss' must be a number" in (exp.trials()[0].reason or "")
