"""The driver of one search: it stores new trials, their reports and their outcomes, and the
stage it drives (the search, or stage 2 of a sequential pipeline) is one parameter."""

from __future__ import annotations

import netsynth
from netsynth import ExperimentState, TrialState
from netsynth.outcome import Outcome
from netsynth.runner.driver import ExperimentDriver
from netsynth.runner.stage import SEARCH, TUNING_SEARCH
from netsynth.trial_task import TrialReport


def _driver() -> tuple[netsynth.Experiment, ExperimentDriver]:
    exp = netsynth.create_experiment(direction="minimize")
    return exp, ExperimentDriver(exp.storage, exp.record)


def test_a_trial_created_reported_and_recorded_is_stored_with_all_three() -> None:
    exp, driver = _driver()
    task = driver.create_task(driver.history())
    assert task is not None and task.number == 0
    assert exp.trials()[0].state is TrialState.RUNNING
    assert driver.report(task, TrialReport(1, {"loss": 0.5})) is False  # fifo: go on
    driver.record_outcome(task, Outcome(TrialState.COMPLETE, 0.25))
    (trial,) = exp.trials()
    assert trial.state is TrialState.COMPLETE and trial.value == 0.25
    assert [(r.step, r.metrics) for r in trial.reports] == [(1, {"loss": 0.5})]


def test_a_report_past_the_searchs_time_asks_the_trial_to_stop() -> None:
    _, driver = _driver()
    task = driver.create_task(driver.history())
    assert task is not None
    assert driver.report(task, TrialReport(1, {"loss": 0.5}), clock_stop="time is up") is True


def test_an_outcome_after_the_trial_ended_changes_nothing() -> None:
    exp, driver = _driver()
    task = driver.create_task(driver.history())
    assert task is not None
    driver.record_outcome(task, Outcome(TrialState.COMPLETE, 1.0))
    driver.record_outcome(task, Outcome(TrialState.FAILED, reason="late"))
    assert exp.trials()[0].state is TrialState.COMPLETE


def test_the_stage_names_its_states_its_time_and_its_trials() -> None:
    assert SEARCH.states == (ExperimentState.PREPARING, ExperimentState.SEARCHING)
    assert TUNING_SEARCH.states == (ExperimentState.TUNING,)
    assert (SEARCH.seconds_key, TUNING_SEARCH.seconds_key) == ("search_seconds", "tuning_seconds")
    _, driver = _driver()
    assert driver.stage is SEARCH and driver.search_states == SEARCH.states
