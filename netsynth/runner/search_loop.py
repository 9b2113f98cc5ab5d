"""The SEARCHING state: propose, create, run and record trials until the search ends.

    repeat:
        history   = storage.trials(experiment)          # the only record
        end?      = budgets, stopping rules, failures    # checked on every pass
        fill free executor slots with new trials         # strategy + scheduler + storage
        record the outcomes of trials that ended

Several processes may run this loop on one experiment; storage hands out trial numbers and
enforces ``max_trials`` atomically, so together they create exactly the budget.
"""

from __future__ import annotations

import contextlib
import logging
import math
import threading
import time
from dataclasses import dataclass
from typing import Any

from netsynth.estimation.estimator import Estimator
from netsynth.experiment_record import ExperimentState
from netsynth.runner.cost_guard import COST_MODEL, CostGuard, Verdict
from netsynth.runner.driver import ExperimentDriver, Vetter
from netsynth.runner.executor import Executor
from netsynth.runner.history_tally import HistoryTally
from netsynth.runner.interrupts import InterruptGuard, RunInterrupted
from netsynth.runner.lost_trials import fail_lost_trials
from netsynth.runner.retries import pending_retries
from netsynth.runner.run_clock import deadline, time_plan
from netsynth.search_progress import ProgressCallback, SearchProgress
from netsynth.storage.storage import RetryExistsError, TrialFinishedError
from netsynth.strategies.strategy import Candidate, SpaceExhausted
from netsynth.time_limit import format_duration
from netsynth.trial_record import CLOCK_STOP, INTERRUPTED, TrialState
from netsynth.trial_task import TrialReport, TrialTask

log = logging.getLogger("netsynth")

_POLL_SECONDS = 0.5  # waiting on other processes' trials
_STATE_CHECK_SECONDS = 2.0  # how often to look whether another process ended the search


@dataclass(frozen=True)
class SearchEnd:
    """How the search ended. ``by_other`` means another process moved the experiment out of
    SEARCHING, so this one takes no further lifecycle step."""

    state: ExperimentState
    reason: str
    by_other: bool = False


class SearchLoop:
    def __init__(
        self,
        driver: ExperimentDriver,
        estimator: Estimator,
        executor: Executor,
        *,
        on_progress: ProgressCallback | None = None,
        guard: InterruptGuard | None = None,
    ) -> None:
        self.driver = driver
        self.estimator = estimator
        self.executor = executor
        self.on_progress = on_progress
        self.guard = guard or InterruptGuard()
        self.tally = HistoryTally(driver.objective)
        self._elapsed_before = 0.0
        self._started = time.monotonic()
        self._next_state_check = 0.0
        self.fault_tolerance = driver.fault_tolerance
        self._reaping = threading.Lock()  # the inline executor's heartbeat thread reaps too
        self._next_reap = 0.0
        self._deadline: float | None = None  # time.time() at which the search's time is up
        self._guard: CostGuard | None = None

    @property
    def elapsed(self) -> float:
        return self._elapsed_before + time.monotonic() - self._started

    def run(self) -> SearchEnd:
        key = self.driver.seconds_key
        self._elapsed_before = float(self.driver.record.attrs.get(key, 0.0))
        self._started = time.monotonic()
        self.fault_tolerance = self.driver.fault_tolerance
        self._deadline = deadline(self.driver.record.attrs, "search")
        with self.guard:
            self.executor.start(self.estimator, self, self.guard)
            try:
                end = self._loop()
            except RunInterrupted as exc:
                self._abandon_running(f"{INTERRUPTED} by {exc.signal_name}")
                raise
            except BaseException as exc:
                self._abandon_running(f"{INTERRUPTED}: the driver stopped ({type(exc).__name__})")
                raise
            else:
                # No trial is running now. Free the workers: idle worker processes, or Ray
                # actors that would hold their CPUs until garbage collection killed them.
                self.executor.shutdown()
                return end
            finally:
                close = getattr(self.on_progress, "close", None)
                if callable(close):
                    close()
                self.driver.storage.update_experiment(self.driver.id, attrs={key: self.elapsed})

    # -- the loop ----------------------------------------------------------------------------

    def _loop(self) -> SearchEnd:
        storage, driver = self.driver.storage, self.driver
        end: SearchEnd | None = None
        while True:
            self.guard.check()
            self.reap_if_due()
            history = driver.history()
            self.tally.update(history)
            self._notify()
            if end is None:
                end = self._end_reason()
            budget_reached = False
            retries = pending_retries(history, self.fault_tolerance.max_retries)
            while end is None and self.executor.running() < self.executor.capacity:
                try:
                    if retries:  # the same candidate again, before any new one
                        failed = retries.pop(0)
                        try:
                            task = driver.create_retry(failed, driver.budget.max_trials)
                        except RetryExistsError:
                            log.info("trial %d: another driver retried it", failed.number)
                            continue
                    else:
                        task = driver.create_task(
                            history, limit=driver.budget.max_trials, vet=self._vetter()
                        )
                except SpaceExhausted as exc:  # e.g. every grid point proposed
                    end = SearchEnd(ExperimentState.COMPLETED, str(exc))
                    break
                if task is None:
                    budget_reached = True
                    break
                self.executor.submit(task)
                if self.executor.capacity > 1 and driver.scheduler.uses_reports:
                    # The next slot's bracket or promotion depends on the trial just made.
                    history = driver.history()
            if self.executor.running() == 0:
                if end is not None:
                    return end
                if budget_reached:
                    if self.tally.running == 0:
                        return SearchEnd(ExperimentState.COMPLETED, "trial budget reached")
                    # Other processes still run trials of this experiment: wait for them.
                    fail_lost_trials(storage, history)
                    with self.guard.interruptible():
                        time.sleep(_POLL_SECONDS)
                    continue
            for task, outcome in self.executor.wait(timeout=1.0):
                driver.record_outcome(task, outcome)

    def _end_reason(self) -> SearchEnd | None:
        budget, stopping, tally = (
            self.driver.budget,
            self.driver.stopping,
            self.tally,
        )
        limit = budget.failure_limit
        if limit is not None and tally.failures > limit:
            last = tally.last_failure
            detail = f"; last: trial {last.number}: {last.reason}" if last else ""
            return SearchEnd(
                ExperimentState.FAILED,
                f"{tally.failures} trials failed, more than max_failed_trials={limit}{detail}",
            )
        best = tally.best
        if stopping.target is not None and best is not None and best.value is not None:
            if self.driver.objective.reached(best.value, stopping.target):
                return SearchEnd(
                    ExperimentState.COMPLETED,
                    f"target {stopping.target:g} reached by trial {best.number}",
                )
        if stopping.patience is not None and best is not None:
            if tally.since_best >= stopping.patience:
                return SearchEnd(
                    ExperimentState.COMPLETED,
                    f"no improvement in the last {tally.since_best} trials",
                )
        if budget.max_wall_seconds is not None and self.elapsed >= budget.max_wall_seconds:
            return SearchEnd(
                ExperimentState.COMPLETED,
                f"wall-time budget of {budget.max_wall_seconds:g}s used",
            )
        if self._deadline is not None and time.time() >= self._deadline:
            assert budget.time_limit is not None
            text = format_duration(budget.time_limit)
            return SearchEnd(
                ExperimentState.COMPLETED, f"the search's share of the {text} time limit is used"
            )
        if (
            budget.max_compute_seconds is not None
            and tally.compute_seconds >= budget.max_compute_seconds
        ):
            return SearchEnd(
                ExperimentState.COMPLETED,
                f"compute budget of {budget.max_compute_seconds:g}s used",
            )
        now = time.monotonic()
        if now >= self._next_state_check:
            self._next_state_check = now + _STATE_CHECK_SECONDS
            state = self.driver.refresh().state
            if state not in self.driver.search_states:
                return SearchEnd(
                    state, f"experiment moved to {state.value} elsewhere", by_other=True
                )
        return None

    def _vetter(self) -> Vetter | None:
        """The cost guard's check of new candidates, when PREPARING calibrated this machine
        for a time-limited architecture search (None otherwise)."""
        driver = self.driver
        if self._guard is None:
            attrs = driver.record.attrs
            plan = time_plan(driver.budget.to_dict())
            if plan is None or driver.architecture is None or COST_MODEL not in attrs:
                return None
            self._guard = CostGuard(
                driver.architecture,
                attrs[COST_MODEL],
                attrs["data"],
                plan,
                self.executor.capacity,
                seed=driver.seed,
            )
        guard = self._guard
        deadline_at = self._deadline

        def vet(candidate: Candidate, fidelity: dict[str, Any], number: int) -> Verdict:
            left = math.inf if deadline_at is None else deadline_at - time.time()
            return guard.check(candidate, fidelity, number, left)

        return vet

    # -- reports from running trials (the TrialChannel of every executor) --------------------

    def report(
        self,
        task: TrialTask,
        report: TrialReport,
    ) -> bool:
        with self.guard.deferred():
            stop = self.driver.report(task, report, clock_stop=self._clock_stop(task))
        return stop

    def _clock_stop(self, task: TrialTask) -> str | None:
        """Why a running trial must stop now for lack of time, or None. The trial's own
        deadline counts too: its training ends there (mid-epoch if need be), and the deadline
        it was given may be a little earlier than this loop's when the run's deadlines were
        published again meanwhile."""
        max_wall = self.driver.budget.max_wall_seconds
        if max_wall is not None and self.elapsed >= max_wall:
            return f"{CLOCK_STOP}: the search's wall-time budget of {max_wall:g}s is used"
        deadlines = [d for d in (self._deadline, task.deadline) if d is not None]
        if deadlines and time.time() >= min(deadlines):
            return f"{CLOCK_STOP}: the search's share of the time limit is used"
        return None

    def heartbeat(self, task: TrialTask) -> None:
        self.driver.heartbeat(task)
        self.reap_if_due()  # the inline executor blocks the loop while its trial runs

    def reap_if_due(self) -> None:
        """Fail this experiment's trials whose workers went silent; at most once per
        heartbeat interval, and a read only when none is stale."""
        with self._reaping:
            now = time.monotonic()
            if now < self._next_reap:
                return
            self._next_reap = now + self.fault_tolerance.heartbeat_seconds
            reaped = self.driver.storage.reap(
                self.driver.id, self.fault_tolerance.lost_after_seconds
            )
        for trial in reaped:
            log.warning("trial %d: %s", trial.number, trial.reason)

    # -- helpers -----------------------------------------------------------------------------

    def _abandon_running(self, reason: str) -> None:
        for task in self.executor.shutdown():
            with contextlib.suppress(TrialFinishedError):
                self.driver.storage.finish_trial(task.trial_id, TrialState.FAILED, reason=reason)

    def _notify(self) -> None:
        if self.on_progress is None:
            return
        tally = self.tally
        self.on_progress(
            SearchProgress(
                done=tally.succeeded,
                budget=self.driver.budget.max_trials,
                running=tally.running,
                failed=tally.failures,
                best=tally.best,
                elapsed=self.elapsed,
                seconds_left=None if self._deadline is None else self._deadline - time.time(),
                repaired=tally.repaired,
                skipped=tally.skipped,
            )
        )
