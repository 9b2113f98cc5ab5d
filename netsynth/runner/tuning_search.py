"""Stage 2 of a sequential pipeline at run time (TUNING): fix stage 1's shortlist once, then
search the training hyperparameters of its architectures with the stage's own strategy,
scheduler and budget (its config is ``tuning_stage``)."""

from __future__ import annotations

import logging
import math
from typing import Any

from netsynth.errors import ExperimentError
from netsynth.estimation.estimator import Estimator
from netsynth.runner.driver import ExperimentDriver
from netsynth.runner.search_loop import SearchEnd, SearchLoop
from netsynth.runner.stage import TUNING_SEARCH
from netsynth.runner.tuning_stage import TUNING, TuningStage, has_shortlist
from netsynth.trial_record import TrialState

log = logging.getLogger("netsynth")


def shortlist(driver: ExperimentDriver, top_k: int) -> list[dict[str, Any]]:
    """Stage 1's best ``top_k`` distinct architectures, best first, as shortlist entries."""
    ranked = sorted(
        (
            t
            for t in driver.trials([TrialState.COMPLETE])
            if "genotype" in t.attrs and t.attrs.get("stage") is None
        ),
        key=lambda t: (-(driver.goal.score(t) or -math.inf), t.number),
    )
    entries: list[dict[str, Any]] = []
    seen: set[str] = set()
    for trial in ranked:
        key = str(trial.attrs.get("genotype_hash"))
        if key not in seen:
            seen.add(key)
            entries.append({"trial": trial.number, "genotype": trial.attrs["genotype"]})
        if len(entries) == top_k:
            break
    return entries


def run_tuning(driver: ExperimentDriver, estimator: Estimator, loop: SearchLoop) -> SearchEnd:
    """Stage 2: fix the shortlist (once), then search the training hyperparameters of its
    architectures with the stage's strategy and budget, in the same executor."""
    record = driver.refresh()
    stage = TuningStage.from_dict(record.config[TUNING])
    if not has_shortlist(record):
        entries = shortlist(driver, stage.top_k)
        if not entries:
            raise ExperimentError("stage 1 completed no architecture, so stage 2 has none to tune")
        driver.storage.update_experiment(driver.id, attrs={TUNING: {"shortlist": entries}})
        record = driver.refresh()
        log.info(
            "stage 2: tuning the training of trials %s",
            ", ".join(str(e["trial"]) for e in entries),
        )
    view = ExperimentDriver(driver.storage, record, stage=TUNING_SEARCH)
    with_space = getattr(estimator, "with_space", None)
    if not callable(with_space) or view.architecture is None:
        raise ExperimentError("mode: sequential needs an architecture search (space + data)")
    # Stage 1's loop shut its workers down when it ended: they held stage 1's estimator, and
    # stage 2's start them with the shortlist's.
    stage_loop = SearchLoop(
        view,
        with_space(view.architecture),
        loop.executor,
        on_progress=loop.on_progress,
        guard=loop.guard,
    )
    return stage_loop.run()


__all__ = ["run_tuning", "shortlist"]
