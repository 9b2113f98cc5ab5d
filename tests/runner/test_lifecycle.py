"""Lifecycle states, budgets and stopping rules."""

from __future__ import annotations

import socket
import time
from typing import Any

import pytest

import netsynth
from netsynth import ExperimentState, TrialState


def states_of(exp: netsynth.Experiment) -> list[str]:
    return [state for state, _ in exp.refresh().state_log]


def test_hpo_passes_through_every_lifecycle_state() -> None:
    exp = netsynth.create_experiment()
    exp.run(lambda t: t.suggest_float("x", 0, 1), max_trials=2, progress=False)
    assert states_of(exp) == [
        "CREATED",
        "PREPARING",
        "SEARCHING",
        "RETRAINING",
        "EVALUATING",
        "EXPORTING",
        "COMPLETED",
    ]
    assert exp.record.reason == "trial budget reached"


class PipelineObjective:
    """An estimator with lifecycle hooks, as NAS estimators have."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str]] = []

    def estimate(self, trial: netsynth.Trial) -> float:
        return trial.suggest_float("x", 0, 1)

    def prepare(self, experiment: Any) -> None:
        self.calls.append(("prepare", experiment.refresh().state.value))

    def retrain(self, experiment: Any) -> None:
        self.calls.append(("retrain", experiment.refresh().state.value))

    def evaluate(self, experiment: Any) -> None:
        self.calls.append(("evaluate", experiment.refresh().state.value))

    def export(self, experiment: Any) -> None:
        self.calls.append(("export", experiment.refresh().state.value))


def test_pipeline_hooks_run_in_their_states() -> None:
    estimator = PipelineObjective()
    netsynth.create_experiment().run(estimator, max_trials=1, progress=False)
    assert estimator.calls == [
        ("prepare", "PREPARING"),
        ("retrain", "RETRAINING"),
        ("evaluate", "EVALUATING"),
        ("export", "EXPORTING"),
    ]


def test_a_failing_hook_fails_the_experiment_with_its_reason() -> None:
    class BrokenExport(PipelineObjective):
        def export(self, experiment: Any) -> None:
            raise OSError("disk full")

    exp = netsynth.create_experiment()
    with pytest.raises(OSError, match="disk full"):
        exp.run(BrokenExport(), max_trials=1, progress=False)
    assert exp.state is ExperimentState.FAILED
    assert exp.record.reason == "OSError: disk full"
    assert len(exp.trials(states=[TrialState.COMPLETE])) == 1  # nothing already done is lost


def test_target_value_stops_the_search() -> None:
    exp = netsynth.create_experiment(direction="maximize", seed=0)
    exp.run(lambda t: float(t.number), max_trials=100, target=5, progress=False)
    assert len(exp.trials()) == 6
    assert exp.record.reason == "target 5 reached by trial 5"


def test_patience_stops_after_trials_without_improvement() -> None:
    values = [5.0, 3.0, 4.0, 4.0, 4.0, 1.0]
    exp = netsynth.create_experiment(direction="minimize")
    exp.run(lambda t: values[t.number], max_trials=6, patience=3, progress=False)
    assert len(exp.trials()) == 5  # trials 2, 3 and 4 did not beat trial 1
    assert exp.record.reason == "no improvement in the last 3 trials"


def test_wall_time_budget_stops_starting_trials_and_asks_running_ones_to_stop() -> None:
    def objective(trial: netsynth.Trial) -> float:
        for step in range(100):
            time.sleep(0.02)
            trial.report(step, value=1.0)
            if trial.should_stop():
                break
        return 1.0

    exp = netsynth.create_experiment()
    start = time.monotonic()
    exp.run(objective, max_trials=50, timeout=0.5, progress=False)
    assert time.monotonic() - start < 5  # not 50 trials x 2 s
    assert exp.record.reason == "wall-time budget of 0.5s used"
    assert exp.trials()[-1].state is TrialState.PRUNED


def test_budgets_are_stored_and_resume_extends_them(sqlite_url: str) -> None:
    exp = netsynth.create_experiment("grow", storage=sqlite_url)
    exp.run(lambda t: t.suggest_float("x", 0, 1), max_trials=3, progress=False)
    assert exp.record.config["budget"] == {"max_trials": 3}
    again = netsynth.load_experiment("grow", storage=sqlite_url)
    assert again.state is ExperimentState.COMPLETED
    assert again.run(lambda t: 0.0, progress=False) is ExperimentState.COMPLETED
    assert len(again.trials()) == 3


class StoringPipeline(PipelineObjective):
    """Hooks that store their results in the attrs, as the training estimator does, and
    each retrain what is not retrained yet."""

    def retrain(self, experiment: Any) -> None:
        super().retrain(experiment)
        done = experiment.record.attrs.get("final", [])
        numbers = {e["trial"] for e in done}
        final = done + [{"trial": t.number} for t in experiment.trials() if t.number not in numbers]
        experiment.storage.update_experiment(experiment.id, attrs={"final": final})

    def evaluate(self, experiment: Any) -> None:
        super().evaluate(experiment)
        if experiment.refresh().attrs.get("winner") is None:
            experiment.storage.update_experiment(experiment.id, attrs={"winner": 0})

    def export(self, experiment: Any) -> None:
        super().export(experiment)
        count = len(experiment.refresh().attrs["final"])
        experiment.storage.update_experiment(experiment.id, attrs={"export": {"models": count}})


def test_a_larger_total_continues_a_completed_search_and_redoes_the_final_stages(
    sqlite_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    exp = netsynth.create_experiment("more", storage=sqlite_url, seed=0)
    estimator = StoringPipeline()
    assert exp.run(estimator, max_trials=2, progress=False) is ExperimentState.COMPLETED
    assert exp.record.attrs["export"] == {"models": 2}
    estimator.calls.clear()
    assert exp.run(estimator, max_trials=4, progress=False) is ExperimentState.COMPLETED
    assert len(exp.trials(states=[TrialState.COMPLETE])) == 4
    assert exp.record.config["budget"]["max_trials"] == 4
    # Back to SEARCHING (no second PREPARING), then the final stages over all four trials.
    assert states_of(exp)[-6:] == [
        "COMPLETED",
        "SEARCHING",
        "RETRAINING",
        "EVALUATING",
        "EXPORTING",
        "COMPLETED",
    ]
    assert [hook for hook, _ in estimator.calls] == ["retrain", "evaluate", "export"]
    assert [e["trial"] for e in exp.record.attrs["final"]] == [0, 1, 2, 3]
    assert exp.record.attrs["export"] == {"models": 4}
    assert "continues from 2 to 4 trials" in caplog.text


def test_a_total_at_or_below_the_trials_is_refused_and_nothing_is_stored() -> None:
    exp = netsynth.create_experiment(seed=0)
    exp.run(lambda t: t.suggest_float("x", 0, 1), max_trials=3, progress=False)
    for total in (2, 1):  # 3 is the stored budget: "already complete", not refused
        with pytest.raises(netsynth.ExperimentError, match="COMPLETED with 3 trials") as error:
            exp.run(lambda t: 0.0, max_trials=total, progress=False)
        assert "more than 3" in str(error.value)
    assert exp.refresh().config["budget"] == {"max_trials": 3}  # not silently stored
    assert exp.state is ExperimentState.COMPLETED and len(exp.trials()) == 3


def test_no_new_total_says_the_experiment_is_complete(caplog: pytest.LogCaptureFixture) -> None:
    exp = netsynth.create_experiment(seed=0)
    exp.run(lambda t: t.suggest_float("x", 0, 1), max_trials=2, progress=False)
    for again in ({}, {"max_trials": 2}):
        caplog.clear()
        assert exp.run(lambda t: 0.0, progress=False, **again) is ExperimentState.COMPLETED
        assert "already COMPLETED with 2 trials" in caplog.text
    assert len(exp.trials()) == 2


def test_a_used_up_time_limit_must_grow_for_the_search_to_continue() -> None:
    exp = netsynth.create_experiment(seed=0)
    exp.run(lambda t: t.suggest_float("x", 0, 1), max_trials=2, time_limit=60, progress=False)
    # As if the run had used its whole minute.
    exp.storage.update_experiment(exp.id, attrs={"active_seconds": 60.0})
    with pytest.raises(netsynth.ExperimentError, match="time limit"):
        exp.run(lambda t: 0.5, max_trials=3, progress=False)
    assert exp.run(lambda t: 0.5, max_trials=3, time_limit=600, progress=False) is (
        ExperimentState.COMPLETED
    )
    assert len(exp.trials()) == 3


def test_a_search_that_its_target_would_stop_at_once_is_not_continued() -> None:
    exp = netsynth.create_experiment(direction="maximize", seed=0)
    exp.run(lambda t: float(t.number), max_trials=100, target=2, progress=False)
    assert len(exp.trials()) == 3
    with pytest.raises(netsynth.ExperimentError, match="reached its target 2") as error:
        exp.run(lambda t: float(t.number), max_trials=200, progress=False)
    assert "stop at once" in str(error.value) and "harder target" in str(error.value)
    assert exp.run(lambda t: float(t.number), max_trials=200, target=5, progress=False) is (
        ExperimentState.COMPLETED
    )
    assert len(exp.trials()) == 6 and "target 5 reached" in (exp.record.reason or "")


def test_resume_without_a_stored_objective_says_what_to_do() -> None:
    exp = netsynth.create_experiment("scripted")
    with pytest.raises(netsynth.ExperimentError, match="run that script again"):
        exp.run(max_trials=1, progress=False)


def test_interrupted_and_lost_trials_do_not_count_as_failures(sqlite_url: str) -> None:
    exp = netsynth.create_experiment("lost", storage=sqlite_url)
    trial = exp.ask()
    # Pretend the trial belongs to a process of this host that died.
    from netsynth.storage.sql import SQLStorage

    assert isinstance(exp.storage, SQLStorage)
    dead_owner = f"{socket.gethostname()}:999999"
    with exp.storage._write() as conn:  # simulate a dead owner
        conn.exec_driver_sql(
            "UPDATE trials SET worker = ? WHERE id = ?", (dead_owner, trial.task.trial_id)
        )
    exp.run(lambda t: 1.0, max_trials=2, max_failed_trials=0, progress=False)
    states = [(t.number, t.state, t.reason) for t in exp.trials()]
    assert states[0][1] is TrialState.FAILED and (states[0][2] or "").startswith("lost worker")
    assert exp.state is ExperimentState.COMPLETED  # max_failed_trials=0, yet not FAILED
    assert sum(t.state is TrialState.COMPLETE for t in exp.trials()) == 2


def test_a_worker_serves_the_search_only_and_the_driver_finishes_it() -> None:
    exp = netsynth.create_experiment(seed=0)
    driver, worker = PipelineObjective(), PipelineObjective()
    exp.storage.set_experiment_state(exp.id, ExperimentState.PREPARING)
    exp.storage.set_experiment_state(exp.id, ExperimentState.SEARCHING)
    assert exp.run(worker, max_trials=3, progress=False, worker=True) is ExperimentState.COMPLETED
    assert worker.calls == []  # never PREPARING, RETRAINING, EVALUATING nor EXPORTING
    assert exp.refresh().state is ExperimentState.SEARCHING  # the driver's to finish
    assert len(exp.trials(states=[TrialState.COMPLETE])) == 3
    assert exp.run(driver, max_trials=3, progress=False) is ExperimentState.COMPLETED
    assert [hook for hook, _ in driver.calls] == ["retrain", "evaluate", "export"]
    assert len(exp.trials()) == 3


def test_a_worker_leaves_a_finished_experiment_alone() -> None:
    exp = netsynth.create_experiment(seed=0)
    exp.run(lambda t: t.suggest_float("x", 0, 1), max_trials=2, progress=False)
    estimator = PipelineObjective()
    assert exp.run(estimator, progress=False, worker=True) is ExperimentState.COMPLETED
    assert estimator.calls == []
    assert len(exp.trials()) == 2
