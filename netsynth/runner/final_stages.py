"""The NeuNetS stages around the search, for trained architectures; the lifecycle runs them
through the trainer an estimator exposes (``netsynth.estimation.trainer``).

PREPARING   load and validate the data; build and step one sampled candidate on one batch.
RETRAINING  the top-k distinct candidates (by validation accuracy) trained from scratch at
            full fidelity on train+validation; weights saved as they finish.
EVALUATING  test accuracy of each retrained model on the held-out test split.
EXPORTING   the winner — the best candidate by *validation* accuracy, so that the test set
            never chooses — written and checked by ``netsynth.export``.

Everything each stage produces is stored in the experiment's attrs ("data", "final",
"winner", "export"), and each stage skips work already recorded, so a resumed experiment
picks up where it stopped.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from safetensors.torch import load_file, save_file

from netsynth.errors import ExperimentError
from netsynth.estimation.train_loop import evaluate
from netsynth.estimation.trainer import Trainer
from netsynth.estimation.training import TrainingEstimator, candidate_seed
from netsynth.export import export_model
from netsynth.nn import build, count_flops, count_params, measure_latency
from netsynth.nn.mirror_average import MirrorAveraged, predicts_mirrored
from netsynth.runner.driver import ExperimentDriver
from netsynth.runner.machine_check import measure_machine
from netsynth.runner.retries import first_attempt
from netsynth.runner.run_clock import deadline
from netsynth.runner.stored_estimator import estimator_from_config
from netsynth.space.space_kinds import genotype_from_dict
from netsynth.tapas.dataset_characterization import characterize
from netsynth.tapas.experiment_records import record_experiment
from netsynth.training_config import TrainingConfig
from netsynth.trial_record import TrialRecord, TrialState

log = logging.getLogger("netsynth")

_PREFLIGHT_SAMPLES = 8  # the preflight's batch: it checks that data and network fit together
_MIN_RETRAIN_S = 1.0  # a retraining left no time still takes a step or a few: a model


def _store(driver: ExperimentDriver, **attrs: Any) -> None:
    driver.storage.update_experiment(driver.id, attrs=attrs)
    driver.refresh()


def preflight(trainer: Trainer, driver: ExperimentDriver) -> None:
    splits = trainer.splits()
    # A space whose candidates some inputs cannot take (e.g. a conv family on tabular data)
    # refuses them here, before any trial, naming the family, the input and what to do.
    check_input = getattr(trainer.space, "check_input", None)
    if check_input is not None:
        check_input(splits.input_shape)
    _store(
        driver,
        data={
            "dataset": trainer.data.dataset,
            "kind": splits.kind,
            "input_shape": list(splits.input_shape),
            "num_classes": splits.num_classes,
            "sizes": {
                "train": len(splits.train.y),
                "val": len(splits.val.y),
                "test": len(splits.test.y),
            },
            "class_names": list(splits.class_names) if splits.class_names else None,
        },
    )
    _store(driver, dcn=_characterization(trainer))
    if trainer.lde is not None:  # a shared LDE: the trained trials join it, not only ours
        _store(driver, lde=trainer.lde)
    # With a time limit: calibrate, and stop here if no candidate can train in the time.
    measure_machine(trainer, driver)
    params = driver.space.sample(np.random.default_rng(driver.seed)) if driver.space else {}
    genotype, training = trainer.candidate(params)
    torch.manual_seed(driver.seed)
    model = build(genotype, splits.input_shape, splits.num_classes).to(trainer.device)
    batch = trainer.tensors("train")
    # A few samples are enough to show the data and the network fit together; a whole batch
    # of a large candidate on large inputs could take minutes here.
    size = min(training.batch_size, len(batch.y), _PREFLIGHT_SAMPLES)
    loss = F.cross_entropy(model(batch.x[:size]), batch.y[:size])
    loss.backward()
    value = loss.item()
    if not math.isfinite(value):
        raise ValueError(f"preflight: the loss of one batch is {value}; check the data")


def _characterization(trainer: Trainer) -> dict[str, Any]:
    """TAPAS's dataset characterization (DCN), stored with every experiment in PREPARING."""
    return characterize(trainer.dataset(), seed=trainer.data.seed).to_dict()


def _score(driver: ExperimentDriver, trial: TrialRecord) -> float:
    """The goal's score of a candidate; a trial stopped by the clock counts with its last
    measurement (the goal scores only COMPLETE trials)."""
    if trial.stopped_by_clock:
        trial = replace(trial, state=TrialState.COMPLETE)
    score = driver.goal.score(trial)
    return -math.inf if score is None else score


def _ranked(driver: ExperimentDriver) -> list[TrialRecord]:
    """Candidate trials, best first (by the goal: those keeping its constraints before those
    breaking them): the COMPLETE ones and those the clock stopped after at least one
    measurement, which are usable candidates too."""
    usable = (
        t
        for t in driver.trials([TrialState.COMPLETE, TrialState.PRUNED])
        if "genotype" in t.attrs
        and t.value is not None
        and (t.state is TrialState.COMPLETE or t.stopped_by_clock)
    )
    return sorted(usable, key=lambda t: (-_score(driver, t), t.number))


def _no_candidate_message(driver: ExperimentDriver) -> str:
    """Why nothing can be retrained, with what the trials did."""
    trials = driver.trials()
    if not trials:
        return "no trial ran, so there is no candidate to retrain"
    counts: dict[str, int] = {}
    for trial in trials:
        counts[trial.state.value] = counts.get(trial.state.value, 0) + 1
    summary = ", ".join(f"{n} {state}" for state, n in sorted(counts.items()))
    last = next((t for t in reversed(trials) if t.reason), None)
    detail = f"; the last said: {last.reason}" if last is not None else ""
    return (
        f"no candidate finished a measurement, so there is nothing to retrain ({summary}"
        f"{detail}). Give the search more time (--time), or a smaller space"
    )


def _top_candidates(driver: ExperimentDriver, k: int) -> list[TrialRecord]:
    """The best trials, one per distinct (genotype, training) pair."""
    chosen: list[TrialRecord] = []
    seen: set[tuple[str, str]] = set()
    for trial in _ranked(driver):
        key = (str(trial.attrs.get("genotype_hash")), repr(sorted(trial.attrs["training"].items())))
        if key not in seen:
            seen.add(key)
            chosen.append(trial)
        if len(chosen) == k:
            break
    return chosen


def retrain_best(trainer: Trainer, driver: ExperimentDriver) -> None:
    record_experiment(driver)  # the search's trained trials join the LDE
    top = _top_candidates(driver, trainer.final.top_k)
    if not top:
        raise ExperimentError(_no_candidate_message(driver))
    retrain_trials(trainer, driver, top)


def retrain_trials(trainer: Trainer, driver: ExperimentDriver, trials: list[TrialRecord]) -> None:
    """Train each trial's candidate from scratch at full fidelity on train+validation and
    save its weights; trials already retrained are skipped."""
    final: list[dict[str, Any]] = list(driver.record.attrs.get("final", []))
    done = {entry["trial"] for entry in final}
    rank = {t.number: i for i, t in enumerate(_ranked(driver))}
    folder = trainer.export_dir(driver.name) / "candidates"
    folder.mkdir(parents=True, exist_ok=True)
    todo = [t for t in trials if t.number not in done]
    final_deadline = deadline(driver.record.attrs, "final")
    for index, trial in enumerate(todo):
        genotype = genotype_from_dict(trial.attrs["genotype"])
        training = TrainingConfig.from_dict(trial.attrs["training"])
        if trainer.final.epochs is not None:
            training = training.with_epochs(trainer.final.epochs)
        first = first_attempt(trial)  # a retry trains with its candidate's first seed
        seed = candidate_seed(driver.seed, trial.number if first is None else first)
        # With a time limit, each model still to retrain gets an equal share of the time
        # left before the export reserve; the schedule anneals within it (shortened, never
        # skipped).
        budget = None
        if final_deadline is not None:
            budget = max((final_deadline - time.time()) / (len(todo) - index), _MIN_RETRAIN_S)
        log.info(
            "retraining trial %d (%s) on train+val%s",
            trial.number,
            genotype.describe(),
            f" for at most {budget:.0f}s" if budget is not None else "",
        )
        threads = torch.get_num_threads()
        try:
            model, result = trainer.fit(
                genotype,
                training,
                seed,
                data="train+val",
                validate=False,
                time_budget=budget,
                # Timed to pick its threads only when the time limit makes the run depend on
                # the clock anyway: without one, a seeded retraining repeats to the digit.
                choose_threads=budget is not None,
            )
            chosen = torch.get_num_threads()
        finally:
            torch.set_num_threads(threads)
        if budget is not None and not result.partial_epoch and result.epochs == training.epochs:
            logging.getLogger("netsynth.plan").info(
                "trial %d: the final training finished its %d epochs in %.0fs of its %.0fs",
                trial.number,
                result.epochs,
                result.seconds,
                budget,
            )
        weights = folder / f"trial-{trial.number}.safetensors"
        state = {k: v.detach().cpu().contiguous() for k, v in model.state_dict().items()}
        save_file(state, str(weights))
        input_shape = trainer.splits().input_shape
        mirror = trainer.final.test_time_mirror and predicts_mirrored(training.flip, input_shape)
        final.append(
            {
                "rank": rank[trial.number],
                "trial": trial.number,
                "genotype": genotype.to_dict(),
                "genotype_hash": genotype.hash(),
                "architecture": genotype.describe(),
                "training": training.to_dict(),
                "val_acc": trial.value,
                "params": count_params(model),
                "flops": count_flops(model, input_shape),
                # the delivered model's: with test-time mirroring, two forward passes
                "latency_ms": measure_latency(
                    MirrorAveraged(model) if mirror else model, input_shape
                ),
                "test_time_mirror": mirror,
                "epochs": result.epochs,
                "steps": result.steps,
                "time_budget": budget,
                "cut_by_time": result.partial_epoch or result.epochs < training.epochs,
                "stopped_by_clock": trial.stopped_by_clock,
                "train_seconds": result.seconds,
                "threads": chosen,
                "curve": result.curve,
                "weights": str(weights.resolve()),
                "seed": seed,
            }
        )
        _store(driver, final=sorted(final, key=lambda e: e["rank"]))


def _load(trainer: Trainer, entry: dict[str, Any]) -> torch.nn.Module:
    splits = trainer.splits()
    genotype = genotype_from_dict(entry["genotype"])
    model = build(genotype, splits.input_shape, splits.num_classes)
    model.load_state_dict(load_file(entry["weights"]))
    return model.to(trainer.device)


def _mirrored(entry: dict[str, Any]) -> bool:
    """Whether the retrained model of ``entry`` predicts with test-time mirroring (entries
    stored before it existed say nothing, and predict as they were tested: without)."""
    return bool(entry.get("test_time_mirror", False))


def test_final(trainer: Trainer, driver: ExperimentDriver) -> None:
    """Test every retrained model not tested yet; the winner is the best-ranked one."""
    final: list[dict[str, Any]] = [dict(e) for e in driver.record.attrs.get("final", [])]
    for entry in final:
        if "test_acc" not in entry:
            model = _load(trainer, entry)
            entry["test_acc"], entry["test_loss"] = evaluate(
                MirrorAveraged(model) if _mirrored(entry) else model,
                trainer.tensors("test"),
            )
    winner = driver.record.attrs.get("winner")
    if winner is None:
        best = min(final, key=lambda e: e["rank"])
        winner = best["trial"]
        log.info(
            "winner: trial %d, test accuracy %.4f (%s)",
            winner,
            best["test_acc"],
            best["architecture"],
        )
    _store(driver, final=final, winner=winner)


def export_trial(trainer: Trainer, driver: ExperimentDriver, trial: int, folder: Path) -> Path:
    """Export the retrained model of ``trial`` (see ``netsynth.export``)."""
    entry = next(e for e in driver.record.attrs["final"] if e["trial"] == trial)
    splits = trainer.splits()
    report = export_model(
        _load(trainer, entry),
        genotype_from_dict(entry["genotype"]),
        folder,
        input_shape=splits.input_shape,
        num_classes=splits.num_classes,
        mean=splits.mean,
        std=splits.std,
        sample=splits.test.x * splits.std + splits.mean,  # raw inputs: undo the normalization
        class_names=splits.class_names,
        metadata={
            "experiment": driver.name,
            "trial": trial,
            "test_acc": entry.get("test_acc"),
            "val_acc": entry.get("val_acc"),
            "training": entry["training"],
            "dataset": trainer.data.dataset,
        },
        mirror=_mirrored(entry),
    )
    log.info(
        "exported trial %d to %s (max abs difference: weights %.1e, ONNX %.1e)",
        trial,
        report.folder,
        report.max_abs_diff_weights,
        report.max_abs_diff_onnx,
    )
    return report.folder


def export_winner(trainer: Trainer, driver: ExperimentDriver) -> None:
    winner = int(driver.record.attrs["winner"])
    folder = export_trial(trainer, driver, winner, trainer.export_dir(driver.name) / "model")
    _store(driver, export={"folder": str(folder.resolve()), "trial": winner})


def export_experiment(driver: ExperimentDriver, folder: Path, trial: int | None = None) -> Path:
    """``netsynth export``: the winner of a finished search, or trial ``trial`` — retrained
    from scratch on train+validation when it was not among the retrained candidates."""
    trainer = estimator_from_config(driver.record.config.get("estimator"))
    if not isinstance(trainer, TrainingEstimator):
        raise ExperimentError(
            f"experiment {driver.name!r} tuned an objective of your own; there is no "
            "netsynth-trained model to export"
        )
    attrs = driver.record.attrs
    if trial is None:
        if "winner" not in attrs:
            raise ExperimentError(
                f"experiment {driver.name!r} has no tested winner yet (state "
                f"{driver.record.state.value}); finish it with `netsynth resume "
                f"{driver.name}`, or choose a trial with --trial N"
            )
        trial = int(attrs["winner"])
    elif not any(entry["trial"] == trial for entry in attrs.get("final", [])):
        record = next((t for t in _ranked(driver) if t.number == trial), None)
        if record is None:
            raise ExperimentError(f"trial {trial} of {driver.name!r} is not a completed candidate")
        retrain_trials(trainer, driver, [record])
        test_final(trainer, driver)
    return export_trial(trainer, driver, trial, folder)
