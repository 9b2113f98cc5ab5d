"""ask/tell, define-by-run and the declarative spec build the same objects."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import netsynth
from netsynth import TrialState
from netsynth.spec import compile_spec, parse_spec
from netsynth.storage.storage import TrialFinishedError


def test_ask_tell_records_params_and_value(sqlite_url: str) -> None:
    exp = netsynth.create_experiment("a", storage=sqlite_url, seed=3)
    for _ in range(4):
        trial = exp.ask()
        x = trial.suggest_float("x", -1, 1)
        exp.tell(trial, x * x)
    trials = exp.trials()
    assert [t.number for t in trials] == [0, 1, 2, 3]
    assert all(t.state is TrialState.COMPLETE for t in trials)
    assert all(t.value == pytest.approx(t.params["x"] ** 2) for t in trials)  # type: ignore[operator]


def test_a_second_tell_is_ignored_with_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    exp = netsynth.create_experiment()
    trial = exp.ask()
    exp.tell(trial, 1.0)
    exp.tell(trial, 2.0)
    assert exp.trials()[0].value == 1.0
    assert "already ended" in caplog.text
    with pytest.raises(TrialFinishedError):
        exp.storage.finish_trial(trial.task.trial_id, TrialState.COMPLETE, value=2.0)


def test_tell_with_state() -> None:
    exp = netsynth.create_experiment()
    a, b = exp.ask(), exp.ask()
    a.report(0, value=0.5)
    exp.tell(a, state="PRUNED")
    exp.tell(b, state=TrialState.FAILED)
    states = {t.number: (t.state, t.value) for t in exp.trials()}
    assert states == {0: (TrialState.PRUNED, 0.5), 1: (TrialState.FAILED, None)}


def test_run_is_a_loop_around_ask_and_tell() -> None:
    def objective(trial: netsynth.Trial) -> float:
        return trial.suggest_float("x", -5, 5) ** 2

    by_run = netsynth.create_experiment(seed=11)
    by_run.run(objective, max_trials=6, progress=False)
    by_hand = netsynth.create_experiment(seed=11)
    for _ in range(6):
        trial = by_hand.ask()
        by_hand.tell(trial, objective(trial))
    assert [t.params for t in by_run.trials()] == [t.params for t in by_hand.trials()]
    assert [t.value for t in by_run.trials()] == [t.value for t in by_hand.trials()]


def test_spec_and_python_api_compile_to_the_same_experiment(tmp_path: Path) -> None:
    (tmp_path / "obj.py").write_text("def objective(trial):\n    return trial.params['lr']\n")
    spec = parse_spec(
        {
            "objective": {"metric": "val_acc", "direction": "maximize"},
            "trial": {"function": "obj.py:objective"},
            "parameters": [
                {"name": "lr", "type": "float", "low": 1e-4, "high": 1e-1, "log": True},
                {"name": "opt", "type": "categorical", "choices": ["sgd", "adam"]},
                {
                    "name": "momentum",
                    "type": "float",
                    "low": 0.0,
                    "high": 0.99,
                    "condition": {"parent": "opt", "values": ["sgd"]},
                },
            ],
            "seed": 5,
            "budget": {"max_trials": 3},
        }
    )
    compiled = compile_spec(spec, source="spec.yaml", base_dir=tmp_path, storage="memory")
    space = netsynth.SearchSpace(
        {
            "lr": netsynth.FloatDistribution(1e-4, 1e-1, log=True),
            "opt": netsynth.CategoricalDistribution(("sgd", "adam")),
            "momentum": netsynth.FloatDistribution(0.0, 0.99),
        },
        {"momentum": netsynth.Condition("opt", ("sgd",))},
    )
    api = netsynth.create_experiment(
        metric="val_acc", direction="maximize", parameters=space, seed=5
    )
    assert compiled.experiment.record.config == api.record.config
    compiled.experiment.run(compiled.estimator, progress=False, **compiled.run_options)
    api.run(lambda trial: trial.params["lr"], max_trials=3, progress=False)
    assert [t.params for t in compiled.experiment.trials()] == [t.params for t in api.trials()]
    for trial in api.trials():
        assert ("momentum" in trial.params) == (trial.params["opt"] == "sgd")


_PROPOSE = """
import netsynth
exp = netsynth.create_experiment(seed=42)
exp.run(lambda t: t.suggest_float("x", 0, 1) + t.suggest_int("n", 1, 100, log=True),
        max_trials=5, progress=False)
print([sorted(t.params.items()) for t in exp.trials()])
"""


def test_seeded_random_search_is_reproducible_in_a_fresh_process() -> None:
    outputs = {
        subprocess.run(
            [sys.executable, "-c", _PROPOSE], capture_output=True, text=True, check=True
        ).stdout
        for _ in range(2)
    }
    assert len(outputs) == 1


def test_load_if_exists_refuses_a_different_search(sqlite_url: str) -> None:
    netsynth.create_experiment("e", storage=sqlite_url, direction="minimize")
    again = netsynth.create_experiment(
        "e", storage=sqlite_url, direction="minimize", load_if_exists=True
    )
    assert again.name == "e"
    with pytest.raises(netsynth.ExperimentError, match="different objective"):
        netsynth.create_experiment(
            "e", storage=sqlite_url, direction="maximize", load_if_exists=True
        )
    with pytest.raises(netsynth.ExperimentError, match="already exists"):
        netsynth.create_experiment("e", storage=sqlite_url)
