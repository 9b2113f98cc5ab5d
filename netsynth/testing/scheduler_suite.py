"""The conformance suite every scheduler passes.

A scheduler conforms when:

- its decisions are deterministic: the same seed and history give the same stops, rungs and
  reasons;
- after a crash (the experiment object and its scheduler dropped mid-search) and a resume from
  storage, it takes exactly the decisions an uninterrupted run would have taken;
- (multi-fidelity schedulers) no rung lets more trials go on than its share, ``ceil(n/η)`` of
  the ``n`` trials that reached it when trials climb by their reports, ``floor(n/η)`` of a
  rung's finished trials when each rung is a trial of its own.

Searches run on the tabular benchmark (epochs) or on a synthetic objective whose value depends
on the ``data_fraction`` fidelity. Run it from a test module::

    from netsynth.testing.scheduler_suite import *  # noqa: F403
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from typing import Any

import pytest

from netsynth.experiment import Experiment
from netsynth.experiment_factory import create_experiment, load_experiment
from netsynth.schedulers.successive_halving import PROMOTED_FROM, SuccessiveHalving
from netsynth.storage.in_memory import InMemoryStorage
from netsynth.trial import Trial
from netsynth.trial_record import TrialRecord, TrialState
from netsynth.trial_reports import value_at

# name -> (scheduler config, how trials are estimated: "tabular" or "fraction")
CASES: dict[str, tuple[dict[str, Any], str]] = {
    "fifo": ({"name": "fifo"}, "tabular"),
    "median": ({"name": "median", "min_trials": 3}, "tabular"),
    "asha": ({"name": "asha", "max_resource": 12}, "tabular"),
    "hyperband": ({"name": "hyperband", "max_resource": 12}, "tabular"),
    "curve": ({"name": "curve", "ceiling": 1.0}, "tabular"),
    "hyperband+curve": (
        {"name": "hyperband", "max_resource": 12, "extrapolation": {"ceiling": 1.0}},
        "tabular",
    ),
    "asha-data-fraction": (
        {"name": "asha", "resource": "data_fraction", "min_resource": 1 / 9},
        "fraction",
    ),
    "hyperband-data-fraction": (
        {"name": "hyperband", "resource": "data_fraction", "min_resource": 1 / 9},
        "fraction",
    ),
}
MULTI_FIDELITY = [
    name for name, (config, _) in CASES.items() if config["name"] in ("asha", "hyperband")
]
TRIALS = 40


def fraction_objective(trial: Trial) -> float:
    """A synthetic objective (maximized) that grows with the trial's data fraction."""
    x = trial.suggest_float("x", 0.0, 1.0)
    y = trial.suggest_float("y", 0.0, 1.0)
    fraction = float(trial.fidelity.get("data_fraction", 1.0))
    quality = 1.0 - (x - 0.3) ** 2 - (y - 0.6) ** 2
    value = quality * (0.5 + 0.5 * fraction) + 0.05 * math.sin(17 * x * fraction)
    trial.report(1, value=value)
    return value


def make(case: str, storage: InMemoryStorage, strategy: str = "random") -> Experiment:
    config, kind = CASES[case]
    if kind == "tabular":
        from netsynth.tabular.estimator import tabular_space

        return create_experiment(
            "suite",
            storage=storage,
            architecture=tabular_space(),
            metric="val_acc",
            direction="maximize",
            strategy=strategy,
            scheduler=config,
            seed=5,
        )
    return create_experiment(
        "suite",
        storage=storage,
        parameters={
            "x": {"type": "float", "low": 0.0, "high": 1.0},
            "y": {"type": "float", "low": 0.0, "high": 1.0},
        },
        direction="maximize",
        strategy=strategy,
        scheduler=config,
        seed=5,
    )


def run(experiment: Experiment, case: str, trials: int, workers: int = 1) -> None:
    """Run the search loop until ``trials`` trials exist."""
    if CASES[case][1] == "tabular":
        from netsynth.tabular.estimator import TabularEstimator

        experiment.run(TabularEstimator(), max_trials=trials, workers=workers, progress=False)
    else:
        experiment.run(fraction_objective, max_trials=trials, workers=workers, progress=False)


def drive(experiment: Experiment, case: str, trials: int) -> None:
    """Ask and tell ``trials`` trials; each reports as it trains, so the scheduler decides."""
    if CASES[case][1] == "tabular":
        from netsynth.tabular.estimator import TabularEstimator

        estimator = TabularEstimator()
        for _ in range(trials):
            trial = experiment.ask()
            experiment.tell(trial, estimator.estimate(trial))
    else:
        for _ in range(trials):
            trial = experiment.ask()
            experiment.tell(trial, fraction_objective(trial))


def decisions(trials: Sequence[TrialRecord]) -> list[tuple[Any, ...]]:
    """What a scheduler decided for each trial, in number order."""
    return [
        (t.number, t.state.value, t.bracket, t.rung, t.reason, t.value, len(t.reports))
        for t in sorted(trials, key=lambda t: t.number)
    ]


def search(case: str, trials: int = TRIALS) -> list[tuple[Any, ...]]:
    storage = InMemoryStorage()
    experiment = make(case, storage)
    drive(experiment, case, trials)
    return decisions(experiment.trials())


@functools.cache
def _first_search(case: str) -> list[tuple[Any, ...]]:
    return search(case)


def first_search(case: str) -> list[tuple[Any, ...]]:
    """``search(case)``, computed once per process for the tests below (a fresh copy)."""
    return list(_first_search(case))


def assert_shares_kept(scheduler: SuccessiveHalving, trials: Sequence[TrialRecord]) -> None:
    """No rung of any bracket let more trials go on than its share."""
    metric = scheduler.objective.metric
    for bracket in range(scheduler.brackets):
        mine = [t for t in trials if t.bracket == bracket]
        for rung in range(bracket, len(scheduler.rungs) - 1):
            if scheduler.promotes:
                done = [t for t in mine if t.rung == rung and t.state is TrialState.COMPLETE]
                numbers = {t.number for t in done}
                went_on = [t for t in mine if t.attrs.get(PROMOTED_FROM) in numbers]
                assert len(went_on) <= len(done) // scheduler.eta, (bracket, rung)
                assert all(t.rung == rung + 1 for t in went_on)
            else:
                milestone = int(scheduler.rungs[rung])
                reached = [t for t in mine if value_at(t, metric, milestone) is not None]
                went_on = [t for t in reached if t.rung is not None and t.rung > rung]
                assert len(went_on) <= math.ceil(len(reached) / scheduler.eta), (bracket, rung)


@pytest.mark.parametrize("case", sorted(CASES))
def test_decisions_are_deterministic_given_the_same_history(case: str) -> None:
    first, second = first_search(case), search(case)
    assert first == second
    if case != "fifo":  # the scheduler did decide something
        assert any(row[1] == "PRUNED" for row in first) or any(row[3] for row in first)


@pytest.mark.parametrize("case", sorted(CASES))
def test_resume_after_crash_takes_the_same_decisions(case: str) -> None:
    uninterrupted = first_search(case)
    storage = InMemoryStorage()
    drive(make(case, storage), case, TRIALS // 2)
    # The crash: the experiment and its scheduler are gone; only storage remains.
    resumed = load_experiment("suite", storage=storage)
    drive(resumed, case, TRIALS - TRIALS // 2)
    assert decisions(resumed.trials()) == uninterrupted


@pytest.mark.parametrize("case", MULTI_FIDELITY)
def test_no_rung_promotes_more_than_its_share(case: str) -> None:
    storage = InMemoryStorage()
    experiment = make(case, storage)
    run(experiment, case, 60)  # through the search loop
    scheduler = experiment.scheduler
    assert isinstance(scheduler, SuccessiveHalving)
    trials = experiment.trials()
    assert_shares_kept(scheduler, trials)
    top = len(scheduler.rungs) - 1
    assert any(t.rung == top for t in trials), "nothing reached the top rung"
    assert any(t.rung == 0 for t in trials), "nothing stayed at the lowest rung"


@pytest.mark.parametrize("case", ["asha", "hyperband-data-fraction"])
def test_several_workers_keep_the_shares(case: str) -> None:
    storage = InMemoryStorage()
    experiment = make(case, storage)
    run(experiment, case, 30, workers=2)
    scheduler = experiment.scheduler
    assert isinstance(scheduler, SuccessiveHalving)
    trials = experiment.trials()
    assert len(trials) == 30
    assert all(t.state in (TrialState.COMPLETE, TrialState.PRUNED) for t in trials)
    assert_shares_kept(scheduler, trials)
