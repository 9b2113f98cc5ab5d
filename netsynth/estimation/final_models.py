"""The NeuNetS stages around the search, for trained architectures.

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
from typing import TYPE_CHECKING, Any

import numpy as np
import torch
import torch.nn.functional as F
from safetensors.torch import load_file, save_file

from netsynth.estimation.train_loop import evaluate
from netsynth.estimation.training_config import TrainingConfig
from netsynth.export import export_model
from netsynth.nn import build, count_flops, count_params, measure_latency
from netsynth.runner.run_clock import deadline
from netsynth.space.genotype import genotype_from_dict
from netsynth.trial_record import TrialRecord, TrialState

if TYPE_CHECKING:
    from netsynth.estimation.training import TrainingEstimator
    from netsynth.experiment import Experiment

log = logging.getLogger("netsynth")

_PREFLIGHT_SAMPLES = 8  # the preflight's batch: it checks that data and network fit together
_MIN_RETRAIN_S = 1.0  # a retraining left no time still takes a step or a few: a model


def _store(experiment: Experiment, **attrs: Any) -> None:
    experiment.storage.update_experiment(experiment.id, attrs=attrs)
    experiment.refresh()


def preflight(estimator: TrainingEstimator, experiment: Experiment) -> None:
    splits = estimator.splits()
    # A space whose candidates some inputs cannot take (e.g. a conv family on tabular data)
    # refuses them here, before any trial, naming the family, the input and what to do.
    check_input = getattr(estimator.space, "check_input", None)
    if check_input is not None:
        check_input(splits.input_shape)
    _store(
        experiment,
        data={
            "dataset": estimator.data.dataset,
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
    _store(experiment, dcn=_characterization(estimator))
    if estimator.lde is not None:  # a shared LDE: the trained trials join it, not only ours
        _store(experiment, lde=estimator.lde)
    from netsynth.estimation.machine_check import measure_machine

    # With a time limit: calibrate, and stop here if no candidate can train in the time.
    measure_machine(estimator, experiment)
    params = (
        experiment.space.sample(np.random.default_rng(experiment.seed)) if experiment.space else {}
    )
    genotype, training = estimator.candidate(params)
    torch.manual_seed(experiment.seed)
    model = build(genotype, splits.input_shape, splits.num_classes).to(estimator.device)
    batch = estimator.tensors("train")
    # A few samples are enough to show the data and the network fit together; a whole batch
    # of a large candidate on large inputs could take minutes here.
    size = min(training.batch_size, len(batch.y), _PREFLIGHT_SAMPLES)
    loss = F.cross_entropy(model(batch.x[:size]), batch.y[:size])
    loss.backward()
    value = loss.item()
    if not math.isfinite(value):
        raise ValueError(f"preflight: the loss of one batch is {value}; check the data")


def _characterization(estimator: TrainingEstimator) -> dict[str, Any]:
    """TAPAS's dataset characterization (DCN), stored with every experiment in PREPARING."""
    from netsynth.tapas.dataset_characterization import characterize

    return characterize(estimator.dataset(), seed=estimator.data.seed).to_dict()


def _score(experiment: Experiment, trial: TrialRecord) -> float:
    """The goal's score of a candidate; a trial stopped by the clock counts with its last
    measurement (the goal scores only COMPLETE trials)."""
    if trial.stopped_by_clock:
        trial = replace(trial, state=TrialState.COMPLETE)
    score = experiment.goal.score(trial)
    return -math.inf if score is None else score


def _ranked(experiment: Experiment) -> list[TrialRecord]:
    """Candidate trials, best first (by the goal: those keeping its constraints before those
    breaking them): the COMPLETE ones and those the clock stopped after at least one
    measurement, which are usable candidates too."""
    usable = (
        t
        for t in experiment.trials([TrialState.COMPLETE, TrialState.PRUNED])
        if "genotype" in t.attrs
        and t.value is not None
        and (t.state is TrialState.COMPLETE or t.stopped_by_clock)
    )
    return sorted(usable, key=lambda t: (-_score(experiment, t), t.number))


def _no_candidate_message(experiment: Experiment) -> str:
    """Why nothing can be retrained, with what the trials did."""
    trials = experiment.trials()
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


def _top_candidates(experiment: Experiment, k: int) -> list[TrialRecord]:
    """The best trials, one per distinct (genotype, training) pair."""
    chosen: list[TrialRecord] = []
    seen: set[tuple[str, str]] = set()
    for trial in _ranked(experiment):
        key = (str(trial.attrs.get("genotype_hash")), repr(sorted(trial.attrs["training"].items())))
        if key not in seen:
            seen.add(key)
            chosen.append(trial)
        if len(chosen) == k:
            break
    return chosen


def retrain_best(estimator: TrainingEstimator, experiment: Experiment) -> None:
    from netsynth.tapas.experiment_records import record_experiment

    record_experiment(experiment)  # the search's trained trials join the LDE
    top = _top_candidates(experiment, estimator.final.top_k)
    if not top:
        from netsynth.experiment import ExperimentError

        raise ExperimentError(_no_candidate_message(experiment))
    retrain_trials(estimator, experiment, top)


def retrain_trials(
    estimator: TrainingEstimator, experiment: Experiment, trials: list[TrialRecord]
) -> None:
    """Train each trial's candidate from scratch at full fidelity on train+validation and
    save its weights; trials already retrained are skipped."""
    from netsynth.estimation.training import candidate_seed
    from netsynth.runner.retries import first_attempt

    final: list[dict[str, Any]] = list(experiment.record.attrs.get("final", []))
    done = {entry["trial"] for entry in final}
    rank = {t.number: i for i, t in enumerate(_ranked(experiment))}
    folder = estimator.export_dir(experiment.name) / "candidates"
    folder.mkdir(parents=True, exist_ok=True)
    todo = [t for t in trials if t.number not in done]
    final_deadline = deadline(experiment.record.attrs, "final")
    for index, trial in enumerate(todo):
        genotype = genotype_from_dict(trial.attrs["genotype"])
        training = TrainingConfig.from_dict(trial.attrs["training"])
        if estimator.final.epochs is not None:
            training = training.with_epochs(estimator.final.epochs)
        first = first_attempt(trial)  # a retry trains with its candidate's first seed
        seed = candidate_seed(experiment.seed, trial.number if first is None else first)
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
            model, result = estimator.fit(
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
                "flops": count_flops(model, estimator.splits().input_shape),
                "latency_ms": measure_latency(model, estimator.splits().input_shape),
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
        _store(experiment, final=sorted(final, key=lambda e: e["rank"]))


def _load(estimator: TrainingEstimator, entry: dict[str, Any]) -> torch.nn.Module:
    splits = estimator.splits()
    genotype = genotype_from_dict(entry["genotype"])
    model = build(genotype, splits.input_shape, splits.num_classes)
    model.load_state_dict(load_file(entry["weights"]))
    return model.to(estimator.device)


def test_final(estimator: TrainingEstimator, experiment: Experiment) -> None:
    """Test every retrained model not tested yet; the winner is the best-ranked one."""
    final: list[dict[str, Any]] = [dict(e) for e in experiment.record.attrs.get("final", [])]
    for entry in final:
        if "test_acc" not in entry:
            entry["test_acc"], entry["test_loss"] = evaluate(
                _load(estimator, entry), estimator.tensors("test")
            )
    winner = experiment.record.attrs.get("winner")
    if winner is None:
        best = min(final, key=lambda e: e["rank"])
        winner = best["trial"]
        log.info(
            "winner: trial %d, test accuracy %.4f (%s)",
            winner,
            best["test_acc"],
            best["architecture"],
        )
    _store(experiment, final=final, winner=winner)


def export_trial(
    estimator: TrainingEstimator, experiment: Experiment, trial: int, folder: Path
) -> Path:
    """Export the retrained model of ``trial`` (see ``netsynth.export``)."""
    entry = next(e for e in experiment.record.attrs["final"] if e["trial"] == trial)
    splits = estimator.splits()
    report = export_model(
        _load(estimator, entry),
        genotype_from_dict(entry["genotype"]),
        folder,
        input_shape=splits.input_shape,
        num_classes=splits.num_classes,
        mean=splits.mean,
        std=splits.std,
        sample=splits.test.x * splits.std + splits.mean,  # raw inputs: undo the normalization
        class_names=splits.class_names,
        metadata={
            "experiment": experiment.name,
            "trial": trial,
            "test_acc": entry.get("test_acc"),
            "val_acc": entry.get("val_acc"),
            "training": entry["training"],
            "dataset": estimator.data.dataset,
        },
    )
    log.info(
        "exported trial %d to %s (max abs difference: weights %.1e, ONNX %.1e)",
        trial,
        report.folder,
        report.max_abs_diff_weights,
        report.max_abs_diff_onnx,
    )
    return report.folder


def export_winner(estimator: TrainingEstimator, experiment: Experiment) -> None:
    winner = int(experiment.record.attrs["winner"])
    folder = export_trial(
        estimator, experiment, winner, estimator.export_dir(experiment.name) / "model"
    )
    _store(experiment, export={"folder": str(folder.resolve()), "trial": winner})


def export_experiment(experiment: Experiment, folder: Path, trial: int | None = None) -> Path:
    """``netsynth export``: the winner of a finished search, or trial ``trial`` — retrained
    from scratch on train+validation when it was not among the retrained candidates."""
    from netsynth.estimation.training import TrainingEstimator
    from netsynth.experiment import ExperimentError, estimator_from_config

    estimator = estimator_from_config(experiment.record.config.get("estimator"))
    if not isinstance(estimator, TrainingEstimator):
        raise ExperimentError(
            f"experiment {experiment.name!r} tuned an objective of your own; there is no "
            "netsynth-trained model to export"
        )
    attrs = experiment.record.attrs
    if trial is None:
        if "winner" not in attrs:
            raise ExperimentError(
                f"experiment {experiment.name!r} has no tested winner yet (state "
                f"{experiment.record.state.value}); finish it with `netsynth resume "
                f"{experiment.name}`, or choose a trial with --trial N"
            )
        trial = int(attrs["winner"])
    elif not any(entry["trial"] == trial for entry in attrs.get("final", [])):
        record = next((t for t in _ranked(experiment) if t.number == trial), None)
        if record is None:
            raise ExperimentError(
                f"trial {trial} of {experiment.name!r} is not a completed candidate"
            )
        retrain_trials(estimator, experiment, [record])
        test_final(estimator, experiment)
    return export_trial(estimator, experiment, trial, folder)
