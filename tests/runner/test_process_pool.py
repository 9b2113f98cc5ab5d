"""Trials in worker processes: a crash or kill takes down only its own trial."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import netsynth
from netsynth import ExperimentState, TrialState
from netsynth.runner.process_pool import ProcessPoolExecutor
from netsynth.runner.retries import WORKER_DIED


class PoolWhoseFirstWorkerDiesAtOnce(ProcessPoolExecutor):
    """The first worker exits before it reads the objective, as one SIGKILLed at start does."""

    launched = 0

    def _launch(self, fd: int) -> subprocess.Popen[bytes]:
        self.launched += 1
        if self.launched > 1:
            return super()._launch(fd)
        process = subprocess.Popen([sys.executable, "-c", "pass"], pass_fds=(fd,))
        process.wait()  # its pipe end is closed: sending the objective breaks the pipe
        return process


def objective_that_kills_its_worker(trial: netsynth.Trial) -> float:
    x = trial.suggest_float("x", 0, 1)
    if trial.number == 3:
        os.kill(os.getpid(), signal.SIGKILL)
    return x


def objective_that_reports(trial: netsynth.Trial) -> float:
    for step in range(3):
        trial.report(step, loss=1.0 / (step + 1))
    return trial.suggest_float("x", 0, 1)


def test_sigkilled_worker_fails_only_its_trial(sqlite_url: str) -> None:
    exp = netsynth.create_experiment(storage=sqlite_url, seed=0)
    state = exp.run(objective_that_kills_its_worker, max_trials=8, workers=2, progress=False)
    assert state is ExperimentState.COMPLETED
    failed = exp.trials(states=[TrialState.FAILED])
    assert [t.number for t in failed] == [3]
    assert "killed by SIGKILL" in (failed[0].reason or "")
    assert len(exp.trials(states=[TrialState.COMPLETE])) == 8


def test_worker_killed_before_it_reads_the_objective_fails_only_its_trial() -> None:
    exp = netsynth.create_experiment(seed=0)
    pool = PoolWhoseFirstWorkerDiesAtOnce(workers=1)
    state = exp.run(objective_that_reports, max_trials=3, executor=pool, progress=False)
    assert state is ExperimentState.COMPLETED
    failed = exp.trials(states=[TrialState.FAILED])
    assert [t.number for t in failed] == [0]
    assert WORKER_DIED in (failed[0].reason or "")
    assert len(exp.trials(states=[TrialState.COMPLETE])) == 3


def objective_that_returns_its_pid(trial: netsynth.Trial) -> float:
    trial.suggest_float("x", 0, 1)
    return float(os.getpid())


def test_a_finished_run_leaves_no_worker_process_behind() -> None:
    exp = netsynth.create_experiment(seed=0)
    exp.run(objective_that_returns_its_pid, max_trials=4, workers=2, progress=False)
    pids = {int(t.value) for t in exp.trials() if t.value is not None}
    assert len(pids) == 2 and os.getpid() not in pids
    for pid in pids:  # stopped and reaped when the run returned, not at interpreter exit
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            continue
        raise AssertionError(f"worker process {pid} is still alive")


def test_reports_and_params_cross_the_process_boundary() -> None:
    exp = netsynth.create_experiment(seed=0)
    exp.run(objective_that_reports, max_trials=4, workers=2, progress=False)
    trials = exp.trials()
    assert len(trials) == 4
    assert all([r.step for r in t.reports] == [0, 1, 2] for t in trials)
    assert all("x" in t.params for t in trials)


def test_lambda_objectives_reach_workers_by_value() -> None:
    offset = 10.0
    exp = netsynth.create_experiment(seed=0)
    exp.run(lambda t: t.suggest_float("x", 0, 1) + offset, max_trials=3, workers=2, progress=False)
    assert all(t.value is not None and t.value >= 10 for t in exp.trials())


def test_objective_file_that_fails_to_import_is_a_clear_error(tmp_path: Path) -> None:
    from netsynth.estimation import FunctionEstimator
    from netsynth.runner.process_pool import ExecutorError

    bad = tmp_path / "broken.py"
    bad.write_text("import not_a_module_anywhere\n\ndef objective(trial):\n    return 1.0\n")
    exp = netsynth.create_experiment(seed=0)
    estimator = FunctionEstimator.from_ref(f"{bad}:objective")
    try:
        exp.run(estimator, max_trials=2, workers=2, progress=False)
    except ExecutorError as exc:
        assert "not_a_module_anywhere" in str(exc)
    else:
        raise AssertionError("expected ExecutorError")
    assert exp.state is ExperimentState.FAILED
    assert all(t.state is TrialState.FAILED for t in exp.trials())
