"""The experiment lifecycle (NeuNetS): every state is stored, and a run continues from
whichever state the experiment was left in.

    CREATED → PREPARING → SEARCHING [→ TUNING] → RETRAINING → EVALUATING → EXPORTING
                                                     → COMPLETED (or FAILED / STOPPED)

TUNING is stage 2 of a sequential pipeline (``mode: sequential``, see ``tuning_stage``): the
training hyperparameters of stage 1's best architectures. A stopped or failed experiment whose
stage 2 had begun resumes in stage 2.

PREPARING and the states after SEARCHING call the estimator's hooks of the same purpose
(``prepare``, ``retrain``, ``evaluate``, ``export``) when it has them; for plain HPO they
pass straight through. Transitions that several processes may race for are guarded, so one
process prepares and one finishes, while all of them search.
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING

from netsynth.estimation.estimator import Estimator
from netsynth.experiment_record import ExperimentState
from netsynth.runner.interrupts import InterruptGuard, RunInterrupted
from netsynth.runner.lost_trials import fail_lost_trials
from netsynth.runner.run_clock import RunClock
from netsynth.runner.search_loop import SearchEnd, SearchLoop
from netsynth.runner.tuning_stage import TUNING, has_shortlist, run_tuning
from netsynth.trial_record import TrialState

if TYPE_CHECKING:
    from netsynth.experiment import Experiment

log = logging.getLogger("netsynth")

_POST_SEARCH = (
    (ExperimentState.RETRAINING, "retrain"),
    (ExperimentState.EVALUATING, "evaluate"),
    (ExperimentState.EXPORTING, "export"),
)
_ORDER = list(ExperimentState)
_STARTABLE = (ExperimentState.CREATED, ExperimentState.STOPPED, ExperimentState.FAILED)
SEARCH_STATES = (ExperimentState.PREPARING, ExperimentState.SEARCHING)
_WORKER_POLL_SECONDS = 0.5  # a worker waiting for a driver to start the search


def _call_hook(
    estimator: Estimator, hook: str, experiment: Experiment, guard: InterruptGuard
) -> None:
    work = getattr(estimator, hook, None)
    if callable(work):
        with guard.interruptible():
            work(experiment)


def run_lifecycle(
    experiment: Experiment, estimator: Estimator, loop: SearchLoop
) -> ExperimentState:
    """Take the experiment from its stored state to a final one; returns the state reached."""
    state = experiment.refresh().state
    if state is ExperimentState.COMPLETED:
        log.info("experiment %s is already COMPLETED", experiment.name)
        return state
    fail_lost_trials(experiment.storage, experiment.trials(states=[TrialState.RUNNING]))
    clock = RunClock.of(experiment)
    clock.save(experiment)  # this run's deadlines, for every process that reads them
    experiment.refresh()
    try:
        with loop.guard:  # Ctrl-C anywhere in the lifecycle stops it cleanly
            return _advance(experiment, estimator, loop, state, clock)
    finally:
        clock.save(experiment)
        _say_if_late(experiment, clock)


def serve_search(experiment: Experiment, loop: SearchLoop) -> ExperimentState:
    """``netsynth run --worker``: serve trials of the search, nothing else. Waits while the
    experiment is not searching yet (CREATED, PREPARING, or STOPPED / FAILED until a driver
    resumes it), runs the search loop while it is SEARCHING, and returns when the search
    ends. The lifecycle steps around the search — PREPARING, TUNING, RETRAINING, EVALUATING,
    EXPORTING and the final state — belong to the main driver (``netsynth run`` without
    ``--worker``); a worker only marks the experiment FAILED when its own view of the search
    finds the failure limit passed, as any driver would. Returns how the search ended: COMPLETED
    when it ended normally (the experiment itself is then finished by the driver), or the
    state another process moved the experiment to."""
    waiting = (*_STARTABLE, ExperimentState.PREPARING)
    announced: ExperimentState | None = None
    with loop.guard:
        while True:
            state = experiment.refresh().state
            if state is ExperimentState.SEARCHING:
                break
            if state not in waiting:
                log.info("experiment %s is %s: no search to serve", experiment.name, state.value)
                return state
            if state is not announced:
                log.info(
                    "experiment %s is %s: waiting for a driver to start the search",
                    experiment.name,
                    state.value,
                )
                announced = state
            with loop.guard.interruptible():
                time.sleep(_WORKER_POLL_SECONDS)
        end = loop.run()
    _failed_or_elsewhere(experiment, end)  # marks FAILED only when this search failed
    log.info("experiment %s: search ended (%s); worker done", experiment.name, end.reason)
    return end.state


def _say_if_late(experiment: Experiment, clock: RunClock) -> None:
    """A run that ended past its limit and grace says so, with the numbers."""
    plan, left = clock.plan, clock.left()
    if plan is not None and left is not None and -left > plan.grace:
        log.warning(
            "experiment %s used %.0f s of active time, %.0f s past its %.0f s limit",
            experiment.name,
            clock.used(),
            -left,
            plan.limit,
        )


def _advance(
    experiment: Experiment,
    estimator: Estimator,
    loop: SearchLoop,
    state: ExperimentState,
    clock: RunClock,
) -> ExperimentState:
    storage, eid, guard = experiment.storage, experiment.id, loop.guard

    def step(to: ExperimentState, expected: list[ExperimentState] | None = None) -> bool:
        """Move to ``to`` (guarded by ``expected``); the active time is stored with it."""
        clock.save(experiment)
        if expected is None:
            return storage.set_experiment_state(eid, to)
        return storage.set_experiment_state(eid, to, expected=expected)

    reason = "search finished"
    sequential = TUNING in experiment.record.config
    try:
        if state in _STARTABLE and sequential and has_shortlist(experiment.record):
            # Stage 2 had begun: continue it, never stage 1 again.
            if not step(ExperimentState.TUNING, [state]):
                return experiment.refresh().state
            state = ExperimentState.TUNING
        if state in _STARTABLE:
            # Guarded, so that of several processes starting together one prepares and
            # the others join the search.
            if step(ExperimentState.PREPARING, [state]):
                _call_hook(estimator, "prepare", experiment, guard)
                step(ExperimentState.SEARCHING, [ExperimentState.PREPARING])
                experiment.refresh()  # PREPARING's findings (data, calibration) for the search
            state = ExperimentState.SEARCHING
        if state in SEARCH_STATES:
            end = loop.run()
            if _failed_or_elsewhere(experiment, end):
                return end.state
            reason = end.reason
            following = ExperimentState.TUNING if sequential else ExperimentState.RETRAINING
            if not step(following, list(SEARCH_STATES)):
                return experiment.refresh().state  # another process took the next step
            state = following
        if state is ExperimentState.TUNING:
            end = run_tuning(experiment, estimator, loop)
            if _failed_or_elsewhere(experiment, end):
                return end.state
            reason = f"stage 2: {end.reason}"
            if not step(ExperimentState.RETRAINING, [ExperimentState.TUNING]):
                return experiment.refresh().state
            state = ExperimentState.RETRAINING
        for stage, hook in _POST_SEARCH:
            if _ORDER.index(state) <= _ORDER.index(stage):
                if stage is not state:
                    step(stage)
                _call_hook(estimator, hook, experiment, guard)
    except RunInterrupted as exc:
        storage.set_experiment_state(
            eid,
            ExperimentState.STOPPED,
            f"interrupted by {exc.signal_name}; continue with: netsynth resume {experiment.name}",
        )
        raise
    except Exception as exc:
        storage.set_experiment_state(eid, ExperimentState.FAILED, f"{type(exc).__name__}: {exc}")
        raise
    storage.set_experiment_state(eid, ExperimentState.COMPLETED, reason)
    experiment.refresh()
    return ExperimentState.COMPLETED


def _failed_or_elsewhere(experiment: Experiment, end: SearchEnd) -> bool:
    """True when the search's end leaves nothing for this process to do: another process
    moved the experiment on, or the search failed (then the experiment is marked FAILED)."""
    if end.by_other:
        return True
    if end.state is ExperimentState.FAILED:
        experiment.storage.set_experiment_state(experiment.id, ExperimentState.FAILED, end.reason)
        log.error("experiment %s FAILED: %s", experiment.name, end.reason)
        return True
    return False
