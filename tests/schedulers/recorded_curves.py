"""Learning curves recorded from real training, replayed as a trial's reports.

``tests/fixtures/mnist1d_curves.json`` holds the validation accuracy after each of 9 epochs of
12 small chain networks trained on MNIST-1D (written by ``python
benchmarks/multifidelity_real.py --record-curves PATH``). Trial ``n`` replays curve ``n`` (its
first attempt's number, so a retry replays its candidate's curve), epoch by epoch, and stops
when its scheduler says so, as the training estimator does.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from netsynth import create_experiment
from netsynth.experiment import Experiment
from netsynth.trial import Trial
from netsynth.trial_record import TrialRecord

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "mnist1d_curves.json"


def recorded_curves() -> list[list[float]]:
    data = json.loads(FIXTURE.read_text())
    return [list(entry["val_acc"]) for entry in data["curves"]]


def replay(trial: Trial, curves: list[list[float]]) -> dict[str, float]:
    """Report curve ``first_attempt`` of ``curves`` up to the trial's epochs fidelity."""
    curve = curves[trial.first_attempt % len(curves)]
    epochs = int(trial.fidelity.get("epochs", len(curve)))
    value = curve[0]
    for step, value in enumerate(curve[:epochs], start=1):
        trial.report(step, val_acc=value)
        if trial.should_stop():
            break
    return {"val_acc": value}


def drive(experiment: Experiment, curves: list[list[float]], trials: int) -> None:
    """Ask and tell ``trials`` trials one at a time, each replaying its curve."""
    for _ in range(trials):
        trial = experiment.ask()
        experiment.tell(trial, replay(trial, curves))


def replayed_search(scheduler: dict[str, Any]) -> list[TrialRecord]:
    """The trials of a seeded search over the recorded curves, one trial per curve."""
    curves = recorded_curves()
    experiment = create_experiment(
        parameters={"x": {"type": "float", "low": 0.0, "high": 1.0}},
        metric="val_acc",
        direction="maximize",
        scheduler=scheduler,
        seed=0,
    )
    drive(experiment, curves, len(curves))
    return experiment.trials()


def decisions(trials: list[TrialRecord]) -> list[tuple[Any, ...]]:
    """(number, state, bracket, rung reached, epochs trained) of each trial, by number."""
    return [
        (t.number, t.state.value, t.bracket, t.rung, len(t.reports))
        for t in sorted(trials, key=lambda t: t.number)
    ]
