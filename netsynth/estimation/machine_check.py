"""PREPARING's measurement of this machine, for a run with a time limit.

A short calibration on the user's real training data (``netsynth.estimation.calibration``)
fits how many seconds a training step takes here, for the device and the thread count the
trials will use. The fitted model is stored with the experiment (``cost_model``), so the
search's cost guard can price every candidate before it is trained. Then the space is
checked: if even its cheapest candidate cannot train one epoch in the time given, the run
stops here, before any training, and says so with the numbers.
"""

from __future__ import annotations

import logging
import os
from typing import TYPE_CHECKING, Any

import numpy as np
import torch

from netsynth.runner.cost_guard import COST_MODEL, CostGuard
from netsynth.runner.run_clock import time_plan
from netsynth.time_limit import TimeLimitTooShort

if TYPE_CHECKING:
    from netsynth.estimation.training import TrainingEstimator
    from netsynth.experiment import Experiment

log = logging.getLogger("netsynth")

CALIBRATION_SHARE = 0.6  # of PREPARING's share of the time
CHEAPEST_SAMPLES = 24  # candidates sampled (then made cheaper) to find the space's cheapest


def trial_threads(estimator: TrainingEstimator, workers: int) -> int:
    """The torch threads each trial will use: the estimator's setting, ``NETSYNTH_THREADS``,
    or the cores shared among the workers (as the process pool does)."""
    chosen = estimator.threads or int(os.environ.get("NETSYNTH_THREADS", "0"))
    return chosen or max(1, (os.cpu_count() or 1) // max(workers, 1))


def measure_machine(estimator: TrainingEstimator, experiment: Experiment) -> None:
    """Calibrate, store the cost model, and refuse a limit no candidate can train in."""
    plan = time_plan(experiment.budget.to_dict())
    if plan is None or experiment.architecture is None:
        return
    from netsynth.estimation.calibration import calibrate

    splits = estimator.splits()
    train = estimator.tensors("train")
    workers = int(experiment.record.config.get("workers", 1))
    rng = np.random.default_rng(experiment.seed)
    space = experiment.architecture
    samples = [space.decode(space.flat().sample(rng)) for _ in range(CHEAPEST_SAMPLES)]
    batch_size = int(np.median([training.batch_size for _, training in samples]))
    threads = torch.get_num_threads()
    torch.set_num_threads(trial_threads(estimator, workers))
    try:
        model = calibrate(
            train.x,
            train.y,
            splits.num_classes,
            kind=splits.kind,
            batch_size=batch_size,
            seconds=CALIBRATION_SHARE * plan.prepare,
            seed=experiment.seed,
        )
    finally:
        torch.set_num_threads(threads)
    experiment.storage.update_experiment(experiment.id, attrs={COST_MODEL: model.to_dict()})
    experiment.refresh()
    data: dict[str, Any] = experiment.record.attrs["data"]
    guard = CostGuard(space, model.to_dict(), data, plan, workers, seed=experiment.seed)
    cheapest = guard.cheapest(samples, experiment.search_fidelity)
    log.info(
        "calibrated in %.1fs; the cheapest candidate found: %.1fs per search epoch, %.1fs "
        "per final epoch",
        model.calibration_seconds,
        cheapest.search_epoch,
        cheapest.final_epoch,
    )
    if not guard.can_train(cheapest, plan.search):
        raise TimeLimitTooShort(guard.too_short_message(cheapest))
