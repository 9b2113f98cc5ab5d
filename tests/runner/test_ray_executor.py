"""Trials on a local Ray: reports stream back, a killed actor's trial is retried elsewhere,
and without Ray the error says how to install it."""

from __future__ import annotations

import gc
import os
import signal
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

import netsynth
from netsynth import ExperimentState, TrialState
from netsynth.runner.heartbeat import FaultTolerance
from netsynth.runner.process_pool import ExecutorError
from netsynth.runner.retries import RETRY_OF
from tests.conftest import cli, show_json, write_spec

SPEC = """
name: no-ray
objective: {direction: minimize}
trial: {function: objective.py:objective}
parameters: [{name: x, type: float, low: 0, high: 1}]
budget: {max_trials: 2}
"""


@pytest.fixture(scope="module")
def local_ray() -> Iterator[None]:
    ray = pytest.importorskip("ray")
    ray.init(num_cpus=2, include_dashboard=False, object_store_memory=100 * 1024 * 1024)
    yield
    ray.shutdown()


def objective_that_reports(trial: netsynth.Trial) -> float:
    x = trial.suggest_float("x", 0, 1)
    for step in range(3):
        trial.report(step, loss=x / (step + 1))
        if trial.should_stop():
            break
    return x


def objective_that_kills_its_actor_on_trial_1(trial: netsynth.Trial) -> float:
    x = trial.suggest_float("x", 0, 1)
    trial.report(0, loss=x)
    if trial.number == 1:
        os.kill(os.getpid(), signal.SIGKILL)
    return x


@pytest.mark.usefixtures("local_ray")
def test_trials_run_on_ray_actors_and_stream_their_reports(sqlite_url: str) -> None:
    exp = netsynth.create_experiment(storage=sqlite_url, seed=0)
    state = exp.run(objective_that_reports, max_trials=6, workers=2, executor="ray", progress=False)
    assert state is ExperimentState.COMPLETED
    trials = exp.trials()
    assert [t.state for t in trials] == [TrialState.COMPLETE] * 6
    assert all([r.step for r in t.reports] == [0, 1, 2] for t in trials)
    assert all(t.value == t.params["x"] for t in trials)


@pytest.mark.usefixtures("local_ray")
def test_a_trial_whose_actor_is_killed_is_retried_on_another(sqlite_url: str) -> None:
    exp = netsynth.create_experiment(storage=sqlite_url, seed=0)
    state = exp.run(
        objective_that_kills_its_actor_on_trial_1,
        max_trials=4,
        workers=2,
        executor="ray",
        progress=False,
        fault_tolerance=FaultTolerance(max_retries=1),
    )
    assert state is ExperimentState.COMPLETED
    killed = exp.trials()[1]
    assert killed.state is TrialState.FAILED
    assert "Ray actor lost" in (killed.reason or "")
    (retry,) = [t for t in exp.trials() if t.attrs.get(RETRY_OF) == 1]
    assert retry.state is TrialState.COMPLETE
    assert retry.params == killed.params  # reported before the actor died
    assert len(exp.trials(states=[TrialState.COMPLETE])) == 4


def objective_that_returns_its_pid(trial: netsynth.Trial) -> float:
    trial.suggest_float("x", 0, 1)
    return float(os.getpid())


@pytest.mark.usefixtures("local_ray")
def test_a_finished_run_gives_its_actors_cpus_back_to_the_cluster(sqlite_url: str) -> None:
    import ray

    gc.disable()  # the actors must go when the run ends, not when their handles are collected
    try:
        exp = netsynth.create_experiment(storage=sqlite_url, seed=0)
        exp.run(objective_that_returns_its_pid, max_trials=4, workers=2, executor="ray")
        deadline = time.monotonic() + 60
        while ray.available_resources().get("CPU", 0.0) < ray.cluster_resources()["CPU"]:
            assert time.monotonic() < deadline, "the finished run's actors still hold CPUs"
            time.sleep(0.1)
    finally:
        gc.enable()


def test_without_ray_the_ray_executor_says_how_to_install_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "ray", None)  # import ray now fails
    exp = netsynth.create_experiment(seed=0)
    with pytest.raises(ExecutorError, match=r'pip install "netsynth\[ray\]"'):
        exp.run(objective_that_reports, max_trials=2, executor="ray", progress=False)
    assert exp.trials() == []


def test_cli_without_ray_names_the_extra_before_any_trial(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    hidden = tmp_path / "no-ray"
    (hidden / "ray").mkdir(parents=True)
    (hidden / "ray" / "__init__.py").write_text(
        "raise ModuleNotFoundError(\"No module named 'ray'\")\n"
    )
    monkeypatch.setenv("PYTHONPATH", str(hidden))
    spec = write_spec(tmp_path, SPEC, "def objective(trial):\n    return trial.params['x']\n")
    storage = f"sqlite:///{tmp_path / 'x.db'}"
    result = cli("run", str(spec), "--executor", "ray", "--storage", storage, "--no-progress")
    assert result.returncode == 2, result.stderr
    assert 'pip install "netsynth[ray]"' in result.stderr
    assert "Traceback" not in result.stderr
    assert show_json("no-ray", storage) == []
