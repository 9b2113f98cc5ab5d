"""The experiment lifecycle (NeuNetS): every state is stored, and a run continues from
whichever state the experiment was left in.

    CREATED → PREPARING → SEARCHING [→ TUNING] → RETRAINING → EVALUATING → EXPORTING
                                                     → COMPLETED (or FAILED / STOPPED)

TUNING is stage 2 of a sequential pipeline (``mode: sequential``, see ``tuning_stage``): the
training hyperparameters of stage 1's best architectures. A stopped or failed experiment whose
stage 2 had begun resumes in stage 2.

PREPARING and the states after SEARCHING are the runner's own stages
(``final_stages``: preflight, retrain, test, export) for an estimator that exposes a trainer
(``netsynth.estimation.trainer``), followed by the estimator's hooks of the same purpose
(``prepare``, ``retrain``, ``evaluate``, ``export``) when it has them; for plain HPO they
pass straight through. Transitions that several processes may race for are guarded, so one
process prepares and one finishes, while all of them search.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from netsynth.budget import Budget, StoppingRules
from netsynth.errors import ExperimentError
from netsynth.estimation.estimator import Estimator
from netsynth.estimation.trainer import Trainer, trainer_of
from netsynth.experiment_record import ExperimentState
from netsynth.runner.driver import ExperimentDriver
from netsynth.runner.history_tally import HistoryTally
from netsynth.runner.interrupts import InterruptGuard, RunInterrupted
from netsynth.runner.lost_trials import fail_lost_trials
from netsynth.runner.run_clock import ACTIVE_SECONDS, RunClock, time_plan
from netsynth.runner.search_loop import SearchEnd, SearchLoop
from netsynth.runner.stage import SEARCH
from netsynth.runner.tuning_search import run_tuning
from netsynth.runner.tuning_stage import TUNING, has_shortlist
from netsynth.time_limit import format_duration
from netsynth.trial_record import TrialState

log = logging.getLogger("netsynth")

_POST_SEARCH = (ExperimentState.RETRAINING, ExperimentState.EVALUATING, ExperimentState.EXPORTING)
# Each stage around the search: the estimator hook of the same purpose.
_HOOKS = {
    ExperimentState.PREPARING: "prepare",
    ExperimentState.RETRAINING: "retrain",
    ExperimentState.EVALUATING: "evaluate",
    ExperimentState.EXPORTING: "export",
}
_ORDER = list(ExperimentState)
_STARTABLE = (ExperimentState.CREATED, ExperimentState.STOPPED, ExperimentState.FAILED)
_WORKER_POLL_SECONDS = 0.5  # a worker waiting for a driver to start the search
# What RETRAINING, EVALUATING and EXPORTING store; cleared when a completed search continues.
FINAL_RESULTS = ("final", "winner", "export")


def _final_stage(state: ExperimentState) -> Callable[[Trainer, ExperimentDriver], None]:
    """The runner's own work in ``state`` for an estimator with a trainer (torch loads here,
    only when a network is trained)."""
    from netsynth.runner import final_stages

    stages = {
        ExperimentState.PREPARING: final_stages.preflight,
        ExperimentState.RETRAINING: final_stages.retrain_best,
        ExperimentState.EVALUATING: final_stages.test_final,
        ExperimentState.EXPORTING: final_stages.export_winner,
    }
    return stages[state]


def _run_stage(
    state: ExperimentState, estimator: Estimator, driver: ExperimentDriver, guard: InterruptGuard
) -> None:
    """The work of a stage around the search: the runner's stage for the estimator's
    trainer, if it has one, then the estimator's own hook, if it has one."""
    trainer = trainer_of(estimator)
    hook = getattr(estimator, _HOOKS[state], None)
    with guard.interruptible():
        if trainer is not None:
            _final_stage(state)(trainer, driver)
        if callable(hook):
            hook(driver)


def run_lifecycle(
    driver: ExperimentDriver, estimator: Estimator, loop: SearchLoop
) -> ExperimentState:
    """Take the experiment from its stored state to a final one; returns the state reached."""
    state = driver.refresh().state
    if state is ExperimentState.COMPLETED:
        counted = _counted_trials(driver)
        log.warning(
            "experiment %s is already COMPLETED with %d trials; to search further, pass a "
            "larger total max_trials (--max-trials) than that",
            driver.name,
            counted,
        )
        return state
    fail_lost_trials(driver.storage, driver.trials(states=[TrialState.RUNNING]))
    clock = RunClock.of(driver)
    clock.save(driver)  # this run's deadlines, for every process that reads them
    driver.refresh()
    try:
        with loop.guard:  # Ctrl-C anywhere in the lifecycle stops it cleanly
            return _advance(driver, estimator, loop, state, clock)
    finally:
        clock.save(driver)
        _say_if_late(driver, clock)


def _counted_trials(driver: ExperimentDriver) -> int:
    """The trials ``max_trials`` counts: those that did not fail."""
    return sum(t.state is not TrialState.FAILED for t in driver.history())


def reopen_for_more_trials(
    driver: ExperimentDriver, budget: Budget, stopping: StoppingRules
) -> None:
    """``max_trials`` is a total. A COMPLETED experiment run with a larger total than it has
    trials goes back to SEARCHING, and the results of its final stages ("final", "winner",
    "export") are cleared, so that retraining, test and export are redone over the larger
    search. A total at or below its trials is refused (the search could add none), as is a
    continued search that would stop at once (a used-up time limit, a reached target, ...;
    ``budget`` and ``stopping`` are what this call passes) and one of a sequential pipeline
    (stage 2 has tuned stage 1's shortlist). Without a new total (none, or the one stored)
    this changes nothing, and ``run_lifecycle`` says the experiment is complete."""
    wanted = budget.max_trials
    record = driver.refresh()
    if record.state is not ExperimentState.COMPLETED or wanted is None:
        return
    if wanted == driver.budget.max_trials:
        return  # the budget it completed: run_lifecycle says so
    name, counted = driver.name, _counted_trials(driver)
    if wanted <= counted:
        raise ExperimentError(
            f"experiment {name!r} is COMPLETED with {counted} trials, and max_trials is a "
            f"total: {wanted} adds none. To search further pass more than {counted} (e.g. "
            f"max_trials={counted + 10}, or --max-trials {counted + 10})"
        )
    if TUNING in record.config:
        raise ExperimentError(
            f"experiment {name!r} is a COMPLETED sequential pipeline: stage 2 has tuned stage "
            "1's shortlist, so stage 1 cannot take more trials. Run the larger search as a new "
            "experiment (another name, --name)"
        )
    stop = _stops_at_once(driver, budget, stopping)
    if stop is not None:
        raise ExperimentError(
            f"experiment {name!r} cannot continue to {wanted} trials: its search would stop "
            f"at once, because {stop}"
        )
    driver.storage.update_experiment(driver.id, drop_attrs=FINAL_RESULTS)
    reopened = driver.storage.set_experiment_state(
        driver.id,
        ExperimentState.SEARCHING,
        f"search continued to max_trials={wanted}",
        expected=[ExperimentState.COMPLETED],
    )
    if reopened:
        log.warning(
            "experiment %s: the search continues from %d to %d trials; retraining, test and "
            "export will be redone",
            name,
            counted,
            wanted,
        )
    driver.refresh()


def _stops_at_once(driver: ExperimentDriver, budget: Budget, stopping: StoppingRules) -> str | None:
    """Why a continued search would end before its first new trial (its time limit or
    wall-time or compute budget used up, its target reached, its patience spent), with what
    to pass instead; None when it can go on. Budgets and rules given now override the
    stored ones, as ``run`` stores them."""
    limits = {**driver.budget.to_dict(), **budget.to_dict()}
    rules = {**driver.stopping.to_dict(), **stopping.to_dict()}
    attrs = driver.record.attrs
    tally = HistoryTally(driver.objective)
    tally.update(driver.history())
    plan = time_plan(limits)
    used = float(attrs.get(ACTIVE_SECONDS, 0.0))
    if plan is not None and used >= plan.search_ends_at:
        return (
            f"it has used {format_duration(used)} of its {format_duration(plan.limit)} time "
            "limit; give a larger total time limit too (time_limit=..., or --time)"
        )
    wall = limits.get("max_wall_seconds")
    if wall is not None and float(attrs.get(driver.seconds_key, 0.0)) >= float(wall):
        return f"its max_wall_seconds={float(wall):g} is used; give a larger one (timeout=...)"
    compute = limits.get("max_compute_seconds")
    if compute is not None and tally.compute_seconds >= float(compute):
        return (
            f"its max_compute_seconds={float(compute):g} is used; give a larger one "
            "(max_compute_seconds=...)"
        )
    best, target, patience = tally.best, rules.get("target"), rules.get("patience")
    if target is not None and best is not None and best.value is not None:
        if driver.objective.reached(best.value, target):
            return (
                f"trial {best.number} reached its target {target:g}; give a harder target "
                "(target=..., or stopping.target)"
            )
    if patience is not None and best is not None and tally.since_best >= patience:
        return (
            f"its patience of {patience} trials without improvement is spent; give a larger "
            "patience (patience=..., or stopping.patience)"
        )
    return None


def serve_search(driver: ExperimentDriver, loop: SearchLoop) -> ExperimentState:
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
            state = driver.refresh().state
            if state is ExperimentState.SEARCHING:
                break
            if state not in waiting:
                log.info("experiment %s is %s: no search to serve", driver.name, state.value)
                return state
            if state is not announced:
                log.info(
                    "experiment %s is %s: waiting for a driver to start the search",
                    driver.name,
                    state.value,
                )
                announced = state
            with loop.guard.interruptible():
                time.sleep(_WORKER_POLL_SECONDS)
        end = loop.run()
    _failed_or_elsewhere(driver, end)  # marks FAILED only when this search failed
    log.info("experiment %s: search ended (%s); worker done", driver.name, end.reason)
    return end.state


def _say_if_late(driver: ExperimentDriver, clock: RunClock) -> None:
    """A run that ended past its limit and grace says so, with the numbers."""
    plan, left = clock.plan, clock.left()
    if plan is not None and left is not None and -left > plan.grace:
        log.warning(
            "experiment %s used %.0f s of active time, %.0f s past its %.0f s limit",
            driver.name,
            clock.used(),
            -left,
            plan.limit,
        )


def _advance(
    driver: ExperimentDriver,
    estimator: Estimator,
    loop: SearchLoop,
    state: ExperimentState,
    clock: RunClock,
) -> ExperimentState:
    storage, eid, guard = driver.storage, driver.id, loop.guard

    def step(to: ExperimentState, expected: list[ExperimentState] | None = None) -> bool:
        """Move to ``to`` (guarded by ``expected``); the active time is stored with it."""
        clock.save(driver)
        if expected is None:
            return storage.set_experiment_state(eid, to)
        return storage.set_experiment_state(eid, to, expected=expected)

    reason = "search finished"
    sequential = TUNING in driver.record.config
    try:
        if state in _STARTABLE and sequential and has_shortlist(driver.record):
            # Stage 2 had begun: continue it, never stage 1 again.
            if not step(ExperimentState.TUNING, [state]):
                return driver.refresh().state
            state = ExperimentState.TUNING
        if state in _STARTABLE:
            # Guarded, so that of several processes starting together one prepares and
            # the others join the search.
            if step(ExperimentState.PREPARING, [state]):
                _run_stage(ExperimentState.PREPARING, estimator, driver, guard)
                driver.refresh()  # PREPARING's findings (data, calibration, time plan)
                clock.plan = time_plan(driver.budget.to_dict())
                step(ExperimentState.SEARCHING, [ExperimentState.PREPARING])
                driver.refresh()
            state = ExperimentState.SEARCHING
        if state in SEARCH.states:
            end = loop.run()
            if _failed_or_elsewhere(driver, end):
                return end.state
            reason = end.reason
            following = ExperimentState.TUNING if sequential else ExperimentState.RETRAINING
            if not step(following, list(SEARCH.states)):
                return driver.refresh().state  # another process took the next step
            state = following
        if state is ExperimentState.TUNING:
            end = run_tuning(driver, estimator, loop)
            if _failed_or_elsewhere(driver, end):
                return end.state
            reason = f"stage 2: {end.reason}"
            if not step(ExperimentState.RETRAINING, [ExperimentState.TUNING]):
                return driver.refresh().state
            state = ExperimentState.RETRAINING
        for stage in _POST_SEARCH:
            if _ORDER.index(state) <= _ORDER.index(stage):
                if stage is not state:
                    step(stage)
                _run_stage(stage, estimator, driver, guard)
    except RunInterrupted as exc:
        storage.set_experiment_state(
            eid,
            ExperimentState.STOPPED,
            f"interrupted by {exc.signal_name}; continue with: netsynth resume {driver.name}",
        )
        raise
    except Exception as exc:
        storage.set_experiment_state(eid, ExperimentState.FAILED, f"{type(exc).__name__}: {exc}")
        raise
    storage.set_experiment_state(eid, ExperimentState.COMPLETED, reason)
    driver.refresh()
    return ExperimentState.COMPLETED


def _failed_or_elsewhere(driver: ExperimentDriver, end: SearchEnd) -> bool:
    """True when the search's end leaves nothing for this process to do: another process
    moved the experiment on, or the search failed (then the experiment is marked FAILED)."""
    if end.by_other:
        return True
    if end.state is ExperimentState.FAILED:
        driver.storage.set_experiment_state(driver.id, ExperimentState.FAILED, end.reason)
        log.error("experiment %s FAILED: %s", driver.name, end.reason)
        return True
    return False
