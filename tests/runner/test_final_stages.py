"""The runner's stages around the search: for an estimator that exposes a trainer, the
runner's own preflight, retraining, test and export run in their states, through that
trainer, before the estimator's own hooks."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import netsynth
from netsynth.runner import final_stages


class TrainingObjective:
    """An estimator that trains networks (it exposes a trainer) and has a hook of its own."""

    def __init__(self) -> None:
        self.trainer = object()
        self.calls: list[tuple[str, str]] = []

    def estimate(self, trial: netsynth.Trial) -> float:
        return trial.suggest_float("x", 0, 1)

    def prepare(self, driver: Any) -> None:
        self.calls.append(("own prepare", driver.refresh().state.value))


def test_the_runners_stages_get_the_trainer_and_run_before_the_estimators_hooks(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    estimator = TrainingObjective()

    def stage(name: str) -> Any:
        def run(trainer: object, driver: Any) -> None:
            assert trainer is estimator.trainer
            estimator.calls.append((name, driver.refresh().state.value))

        return run

    for name in ("preflight", "retrain_best", "test_final", "export_winner"):
        monkeypatch.setattr(final_stages, name, stage(name))
    netsynth.create_experiment().run(estimator, max_trials=1, progress=False)
    assert estimator.calls == [
        ("preflight", "PREPARING"),
        ("own prepare", "PREPARING"),
        ("retrain_best", "RETRAINING"),
        ("test_final", "EVALUATING"),
        ("export_winner", "EXPORTING"),
    ]


def test_an_objective_of_your_own_has_no_model_to_export(tmp_path: Path) -> None:
    exp = netsynth.create_experiment()
    exp.run(lambda t: t.suggest_float("x", 0, 1), max_trials=1, progress=False)
    with pytest.raises(netsynth.ExperimentError, match="objective of your own"):
        exp.export(tmp_path / "model")
    assert not (tmp_path / "model").exists()
