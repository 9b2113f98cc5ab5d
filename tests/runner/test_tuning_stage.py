"""Sequential NAS then HPO: stage 1 (architectures, default training), stage 2 (training
hyperparameters of the top-k), each with its own strategy and budget; resume in either."""

from __future__ import annotations

import json
import math
import os
import signal
import sqlite3
import time
from pathlib import Path
from typing import Any

import pytest

import netsynth
from netsynth import ExperimentState, TrialState
from netsynth.runner.interrupts import RunInterrupted
from netsynth.runner.tuning_stage import TuningStage, stage_one_training
from netsynth.space.architecture_space import ArchitectureSpace
from netsynth.space.chain_space import ChainSpace, ChainSpaceConfig
from netsynth.space.training_space import Range, TrainingSpaceConfig
from netsynth.training_config import TrainingConfig
from tests.conftest import cli, popen_cli, show_json, write_spec

TRAINING = TrainingSpaceConfig(
    optimizer="adamw",
    lr=Range(low=1e-4, high=1e-1, log=True),
    batch_size=[32, 64],
    weight_decay=1e-4,
    epochs=4,
    augment=0.0,
)


class DecodingEstimator:
    """Decodes each trial with its space and scores it without training: deeper chains and a
    learning rate near 1e-2 score higher, so stage 2 has something to find."""

    def __init__(self, space: ArchitectureSpace, interrupt_at: int | None = None) -> None:
        self.space = space
        self.interrupt_at = interrupt_at  # send ourselves SIGINT in the trial of this number

    def estimate(self, trial: netsynth.Trial) -> dict[str, float]:
        genotype, training = self.space.decode(dict(trial.params))
        trial.set_attr("genotype", genotype.to_dict())
        trial.set_attr("genotype_hash", genotype.hash())
        trial.set_attr("architecture", genotype.describe())
        trial.set_attr("training", training.to_dict())
        if trial.number == self.interrupt_at:
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(5)  # the guard raises RunInterrupted here
        depth = len(genotype.to_dict()["layers"])
        return {"val_acc": depth / 10 - abs(math.log10(training.lr) + 2) / 10}

    def with_space(self, space: ArchitectureSpace) -> DecodingEstimator:
        return DecodingEstimator(space, self.interrupt_at)


def sequential_experiment(
    top_k: int = 3, stage_two: int = 5, storage: Any = None
) -> tuple[netsynth.Experiment, ChainSpace]:
    config = ChainSpaceConfig(
        min_layers=1, max_layers=4, ops=["conv", "dense"], widths=[8, 16], training=TRAINING
    )
    stage_one = ChainSpace(config.model_copy(update={"training": stage_one_training(TRAINING)}))
    experiment = netsynth.create_experiment(
        storage=storage,
        architecture=stage_one,
        metric="val_acc",
        direction="maximize",
        seed=3,
        tuning={
            "top_k": top_k,
            "strategy": {"name": "tpe", "n_startup_trials": 2},
            "budget": {"max_trials": stage_two},
            "training": TRAINING.model_dump(mode="json"),
        },
    )
    return experiment, stage_one


def stage(trials: list[netsynth.TrialRecord], name: str | None) -> list[netsynth.TrialRecord]:
    return [t for t in trials if t.attrs.get("stage") == name]


def test_stage_one_trains_with_defaults_and_fixed_settings_kept() -> None:
    fixed = stage_one_training(
        TrainingSpaceConfig(lr=Range(low=1e-3, high=1e-1), batch_size=[32, 256], epochs=[3, 9])
    )
    assert fixed.lr == TrainingConfig().lr
    assert fixed.batch_size == TrainingConfig().batch_size
    assert fixed.epochs == 9  # searched epochs: the largest listed
    assert stage_one_training(TRAINING).weight_decay == 1e-4  # what the user fixed stays


def test_the_stages_run_in_sequence_each_with_its_own_budget() -> None:
    experiment, stage_one = sequential_experiment(top_k=3, stage_two=5)
    state = experiment.run(DecodingEstimator(stage_one), max_trials=8, progress=False)
    assert state is ExperimentState.COMPLETED
    states = [s for s, _ in experiment.refresh().state_log]
    assert states[states.index("SEARCHING") + 1] == "TUNING"
    assert states[states.index("TUNING") + 1] == "RETRAINING"

    trials = experiment.trials()
    first, second = stage(trials, None), stage(trials, "tuning")
    assert len(first) == 8 and len(second) == 5
    assert {t.attrs["training"]["lr"] for t in first} == {TrainingConfig().lr}
    # The shortlist is stage 1's three best distinct architectures, best first.
    shortlist = experiment.record.attrs["tuning"]["shortlist"]
    ranked = sorted(first, key=lambda t: (-(t.value or -math.inf), t.number))
    best_hashes: list[str] = []
    for trial in ranked:
        if trial.attrs["genotype_hash"] not in best_hashes:
            best_hashes.append(trial.attrs["genotype_hash"])
    assert [e["trial"] for e in shortlist] == [
        next(t.number for t in ranked if t.attrs["genotype_hash"] == h) for h in best_hashes[:3]
    ]
    # Stage 2 tries only shortlisted architectures, with the searched training settings.
    assert {t.attrs["genotype_hash"] for t in second} <= set(best_hashes[:3])
    assert len({t.attrs["training"]["lr"] for t in second}) == 5
    assert set(second[0].params) == {"architecture", "lr", "batch_size"}
    # The leaderboard says which stage each trial belongs to.
    rows = experiment.leaderboard()
    assert sorted(r["trial"] for r in rows if r.get("stage") == "tuning") == sorted(
        t.number for t in second
    )


def test_stage_two_can_beat_stage_one_by_tuning_the_learning_rate() -> None:
    experiment, stage_one = sequential_experiment(top_k=1, stage_two=12)
    experiment.run(DecodingEstimator(stage_one), max_trials=6, progress=False)
    trials = experiment.trials([TrialState.COMPLETE])
    best_first = max(t.value or -1 for t in stage(trials, None))
    best_second = max(t.value or -1 for t in stage(trials, "tuning"))
    assert best_second > best_first  # same architecture, a better learning rate than 3e-3


def test_interrupted_in_stage_two_resumes_in_stage_two(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'seq.db'}"
    experiment, stage_one = sequential_experiment(top_k=2, stage_two=4, storage=url)
    with pytest.raises(RunInterrupted):
        experiment.run(DecodingEstimator(stage_one, interrupt_at=7), max_trials=5, progress=False)
    experiment.refresh()
    assert experiment.record.state is ExperimentState.STOPPED
    before = {t.number: t for t in stage(experiment.trials(), None)}
    assert len(before) == 5

    resumed = netsynth.load_experiment(experiment.name, storage=url)
    assert resumed.run(DecodingEstimator(stage_one), progress=False) is ExperimentState.COMPLETED
    states = [s for s, _ in resumed.refresh().state_log]
    assert states[states.index("STOPPED") + 1] == "TUNING"  # not PREPARING: stage 1 is done
    trials = resumed.trials()
    assert {t.number: t for t in stage(trials, None)} == before  # stage 1 untouched
    second = stage(trials, "tuning")
    assert sum(t.state is not TrialState.FAILED for t in second) == 4  # the budget, exactly
    assert [t.state for t in second].count(TrialState.FAILED) == 1  # the interrupted one


def test_interrupted_in_stage_one_resumes_stage_one_then_runs_stage_two(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'seq.db'}"
    experiment, stage_one = sequential_experiment(top_k=2, stage_two=3, storage=url)
    with pytest.raises(RunInterrupted):
        experiment.run(DecodingEstimator(stage_one, interrupt_at=2), max_trials=5, progress=False)
    assert "tuning" not in experiment.refresh().attrs  # stage 2 has not begun
    resumed = netsynth.load_experiment(experiment.name, storage=url)
    assert resumed.run(DecodingEstimator(stage_one), progress=False) is ExperimentState.COMPLETED
    states = [s for s, _ in resumed.refresh().state_log]
    assert states[states.index("STOPPED") + 1] == "PREPARING"  # stage 1 again, from its state
    trials = resumed.trials()
    first = [t for t in stage(trials, None) if t.state is not TrialState.FAILED]
    assert len(first) == 5 and len(stage(trials, "tuning")) == 3


def test_tuning_needs_a_budget_and_an_architecture_space() -> None:
    with pytest.raises(ValueError, match=r"tuning\.budget"):
        TuningStage.from_dict({"top_k": 2})
    with pytest.raises(netsynth.ExperimentError, match="architecture space"):
        netsynth.create_experiment(tuning={"budget": {"max_trials": 2}})


SPEC = """
name: seq
data: {{dataset: digits}}
mode: sequential
space:
  type: chain
  min_layers: 1
  max_layers: 2
  ops: [conv, dense]
  widths: [8, 16]
  kernels: [3]
  norms: [batch]
  dropouts: [0.0]
  training:
    optimizer: adamw
    lr: {{low: 0.001, high: 0.05, log: true}}
    batch_size: 64
    epochs: 2
    augment: 0.0
budget: {{max_trials: 3}}
tuning: {{top_k: 2, algorithm: {{name: random}}, budget: {{max_trials: {stage_two}}}}}
final: {{top_k: 1, epochs: 1}}
execution: {{executor: inline}}
seed: 0
"""


def finished_rows(db: Path) -> dict[int, tuple[Any, ...]]:
    """COMPLETE trials by number: (number, state, params, metrics, attrs), as stored."""
    with sqlite3.connect(db) as conn:
        rows = conn.execute(
            "SELECT number, state, params, metrics, attrs FROM trials WHERE state = 'COMPLETE'"
        ).fetchall()
    return {row[0]: row for row in rows}


def stage_of(row: tuple[Any, ...]) -> str | None:
    stage: str | None = json.loads(row[4]).get("stage")
    return stage


def experiment_state(db: Path) -> str | None:
    try:
        with sqlite3.connect(db) as conn:
            row = conn.execute("SELECT state FROM experiments").fetchone()
    except sqlite3.OperationalError:
        return None  # not created yet
    return str(row[0]) if row else None


def test_killed_during_stage_two_the_cli_resumes_there(tmp_path: Path) -> None:
    spec = write_spec(tmp_path, SPEC.format(stage_two=6))
    db = tmp_path / "seq.db"
    url = f"sqlite:///{db}"
    process = popen_cli("run", str(spec), "--storage", url, cwd=tmp_path)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and process.poll() is None:
        if experiment_state(db) == "TUNING" and any(
            stage_of(row) == "tuning" for row in finished_rows(db).values()
        ):
            break
        time.sleep(0.1)
    assert process.poll() is None, "the run ended before stage 2 could be interrupted"
    process.kill()  # SIGKILL: no handler runs, the state stays TUNING
    process.wait()
    assert experiment_state(db) == "TUNING"
    before = {n: row for n, row in finished_rows(db).items() if stage_of(row) is None}
    assert len(before) == 3

    result = cli("resume", "seq", "--storage", url, cwd=tmp_path, timeout=180)
    assert result.returncode == 0, result.stderr
    rows = show_json("seq", url)
    assert sum(1 for r in rows if r["stage"] == "search" and r["state"] != "FAILED") == 3
    assert sum(1 for r in rows if r["stage"] == "tuning" and r["state"] != "FAILED") == 6
    after = finished_rows(db)
    assert all(after[n] == row for n, row in before.items())  # stage 1 rows unchanged
    assert experiment_state(db) == "COMPLETED"


def test_spec_sequential_needs_tuning_and_something_to_tune(tmp_path: Path) -> None:
    no_stage_two = SPEC.format(stage_two=2).replace("tuning: {top_k", "#")
    result = cli("validate", str(write_spec(tmp_path, no_stage_two)))
    assert result.returncode != 0 and "tuning" in result.stderr
    nothing = SPEC.format(stage_two=2).replace(
        "lr: {low: 0.001, high: 0.05, log: true}", "lr: 0.01\n    weight_decay: 0.0001"
    )
    result = cli("validate", str(write_spec(tmp_path, nothing)))
    assert result.returncode != 0 and "would search nothing" in result.stderr
    joint = SPEC.format(stage_two=2).replace("mode: sequential", "mode: joint")
    result = cli("validate", str(write_spec(tmp_path, joint)))
    assert result.returncode != 0 and "set that mode" in result.stderr
