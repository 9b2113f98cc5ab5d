"""PREPARING's measurement of this machine, for a run with a time limit.

A short calibration on the user's real training data (``netsynth.estimation.calibration``)
fits how many seconds a training step takes here, for the device and the thread count the
trials will use. The fitted model is stored with the experiment (``cost_model``), so the
search's cost guard can price every candidate before it is trained. Then the space is
checked: if even its cheapest candidate cannot train one epoch in the time given, the run
stops here, before any training, and says so with the numbers.

A final share of ``"auto"`` (the default of ``space: auto``) is settled here too: the final
training gets the time to train a typical first candidate (the median of the baselines) for
``FINAL_EPOCHS_WANTED`` epochs on all the data, within ``AUTO_FINAL_SHARES`` of the limit. On
a small dataset that is a quarter of the limit and the search gets the rest; on a large one
(60,000 images on two cores) the final training gets most of it, because there a network
trained long beats a better one trained briefly.
"""

from __future__ import annotations

import logging
import os
from typing import TYPE_CHECKING, Any

import numpy as np
import torch

from netsynth.runner.cost_guard import COST_MODEL, CostGuard
from netsynth.runner.run_clock import time_plan
from netsynth.time_limit import AUTO, TimeLimitTooShort

if TYPE_CHECKING:
    from netsynth.estimation.trainer import Trainer
    from netsynth.runner.driver import ExperimentDriver

log = logging.getLogger("netsynth")

CALIBRATION_SHARE = 0.6  # of PREPARING's share of the time
CALIBRATION_MAX = 20.0  # seconds: more probes stop paying off
CHEAPEST_SAMPLES = 24  # candidates sampled (then made cheaper) to find the space's cheapest
FINAL_EPOCHS_WANTED = 30  # epochs the final training should afford a typical candidate
AUTO_FINAL_SHARES = (0.25, 0.65)  # the settled final share stays within these


def trial_threads(trainer: Trainer, workers: int) -> int:
    """The torch threads each trial will use: the estimator's setting, ``NETSYNTH_THREADS``,
    or the cores shared among the workers (as the process pool does)."""
    chosen = trainer.threads or int(os.environ.get("NETSYNTH_THREADS", "0"))
    return chosen or max(1, (os.cpu_count() or 1) // max(workers, 1))


def measure_machine(trainer: Trainer, driver: ExperimentDriver) -> None:
    """Calibrate, store the cost model, and refuse a limit no candidate can train in."""
    plan = time_plan(driver.budget.to_dict())
    if plan is None or driver.architecture is None:
        return
    from netsynth.estimation.calibration import calibrate

    splits = trainer.splits()
    train = trainer.tensors("train")
    workers = int(driver.record.config.get("workers", 1))
    rng = np.random.default_rng(driver.seed)
    space = driver.architecture
    samples = [space.decode(space.flat().sample(rng)) for _ in range(CHEAPEST_SAMPLES)]
    batch_size = int(np.median([training.batch_size for _, training in samples]))
    threads = torch.get_num_threads()
    torch.set_num_threads(trial_threads(trainer, workers))
    try:
        model = calibrate(
            train.x,
            train.y,
            splits.num_classes,
            kind=splits.kind,
            batch_size=batch_size,
            seconds=min(CALIBRATION_SHARE * plan.prepare, CALIBRATION_MAX),
            seed=driver.seed,
        )
    finally:
        torch.set_num_threads(threads)
    driver.storage.update_experiment(driver.id, attrs={COST_MODEL: model.to_dict()})
    driver.refresh()
    data: dict[str, Any] = driver.record.attrs["data"]
    guard = CostGuard(space, model.to_dict(), data, plan, workers, seed=driver.seed)
    cheapest = guard.cheapest(samples, driver.search_fidelity)
    log.info(
        "calibrated in %.1fs; the cheapest candidate found: %.1fs per search epoch, %.1fs "
        "per final epoch",
        model.calibration_seconds,
        cheapest.search_epoch,
        cheapest.final_epoch,
    )
    if not guard.can_train(cheapest, plan.search):
        raise TimeLimitTooShort(guard.too_short_message(cheapest))
    if driver.budget.final_share == AUTO:
        _settle_final_share(driver, guard, plan.limit)


def _settle_final_share(driver: ExperimentDriver, guard: CostGuard, limit: float) -> None:
    """Store the final share the baselines' cost calls for (see the module docstring)."""
    space = driver.architecture
    assert space is not None
    initial = driver.record.config.get("strategy", {}).get("initial") or []
    costs = []
    for params in initial:
        genotype, training = space.decode(params)
        costs.append(guard.price(genotype, training, driver.search_fidelity).final_epoch)
    if not costs:
        return
    wanted = FINAL_EPOCHS_WANTED * float(np.median(costs))
    low, high = AUTO_FINAL_SHARES
    share = round(min(max(wanted / limit, low), high), 3)
    config = dict(driver.record.config)
    config["budget"] = {**config.get("budget", {}), "final_share": share}
    driver.storage.update_experiment(driver.id, config=config)
    driver.refresh()
    plan = time_plan(driver.budget.to_dict())
    assert plan is not None
    logging.getLogger("netsynth.plan").info(
        "the first candidates need about %.0fs per epoch on all the data here, so: %s",
        float(np.median(costs)),
        plan.describe(),
    )
