"""The driver of one search of an experiment: what the search loop, the lifecycle stages and
the running trials work through.

It turns the strategy's proposals and the scheduler's placements into stored trials
(``create_task``, ``create_retry``), stores what running trials report and asks the scheduler
whether they go on (``report``), and stores how they ended (``record_outcome``). The stage it
drives (the search, or stage 2 of a sequential pipeline) is one parameter, ``SearchStage``:
the stage's config, its trials and its time all follow from it.

The user's handle, ``netsynth.Experiment``, holds one driver and runs it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from typing import Any

from netsynth.budget import Budget, StoppingRules
from netsynth.estimation.estimator import Estimator
from netsynth.experiment_record import ExperimentRecord, ExperimentState
from netsynth.objective import Objective
from netsynth.outcome import Outcome
from netsynth.runner.cost_guard import Verdict
from netsynth.runner.heartbeat import FaultTolerance
from netsynth.runner.inferred_space import InferredSpace
from netsynth.runner.lost_trials import worker_id
from netsynth.runner.retries import PROPOSED_PARAMS, RETRY_HISTORY, first_attempt, retry_draft
from netsynth.runner.run_clock import deadline
from netsynth.runner.stage import SEARCH, SearchStage
from netsynth.schedulers.registry import make_scheduler
from netsynth.schedulers.scheduler import CONTINUE, Scheduler
from netsynth.schedulers.successive_halving import PROMOTED_FROM
from netsynth.space.architecture_space import make_architecture_space
from netsynth.space.distributions import ParamValue
from netsynth.space.search_space import SearchSpace
from netsynth.storage.storage import Storage, TrialDraft, TrialFinishedError
from netsynth.strategies.context import StrategyContext
from netsynth.strategies.goal import Goal
from netsynth.strategies.registry import make_strategy
from netsynth.strategies.strategy import Candidate, SpaceExhausted, Strategy
from netsynth.trial_record import Report, TrialRecord, TrialState
from netsynth.trial_task import TrialReport, TrialTask

log = logging.getLogger("netsynth")

# Sees a new candidate (with its trial's fidelity and number) before its trial is stored.
Vetter = Callable[[Candidate, dict[str, Any], int], Verdict]
_MAX_SKIPS = 50  # consecutive skipped candidates after which the search ends


class ExperimentDriver:
    """One stage's search of a stored experiment; every method reads the storage, so several
    processes (drivers and workers) can drive one experiment together."""

    def __init__(
        self,
        storage: Storage,
        record: ExperimentRecord,
        *,
        strategy: Strategy | None = None,
        scheduler: Scheduler | None = None,
        stage: SearchStage = SEARCH,
    ) -> None:
        self.storage = storage
        self.record = record
        self.stage = stage
        self.staged = "tuning" in record.config  # trials carry the stage they belong to
        config = stage.config(record)
        self.objective = Objective.from_dict(config.get("objective", {}))
        self.seed = int(config["seed"])
        self.space = SearchSpace.from_dict(config["space"]) if config.get("space") else None
        self.goal = Goal.from_config(config)
        self.architecture = (
            make_architecture_space(config["architecture"]) if config.get("architecture") else None
        )
        self.strategy = strategy or make_strategy(
            config.get("strategy", {}),
            seed=self.seed,
            context=StrategyContext(self.goal, self.architecture, self._stored_attrs),
        )
        self.scheduler = scheduler or make_scheduler(
            config.get("scheduler", {}), objective=self.objective
        )
        # Every search trial's lower fidelity; the scheduler's resource goes on top of it.
        self.search_fidelity: dict[str, Any] = dict(config.get("fidelity") or {})
        self._space_dicts = self.space.to_dict() if self.space is not None else {}
        self._inferred = InferredSpace()  # define-by-run: what finished trials used
        self._silent_warned = False
        self._read_settings()

    # -- reading -----------------------------------------------------------------------------

    @property
    def id(self) -> int:
        return self.record.id

    @property
    def name(self) -> str:
        return self.record.name

    @property
    def storage_url(self) -> str:
        return str(getattr(self.storage, "url", "memory"))

    def _stored_attrs(self) -> dict[str, Any]:
        """The experiment's attrs as stored now (PREPARING may have run in another process);
        a read only: this driver's settings stay as they are."""
        return dict(self.storage.get_experiment(self.name).attrs)

    def _read_settings(self) -> None:
        config = self.stage.config(self.record)
        self.budget = Budget.from_dict(config.get("budget", {}))
        self.stopping = StoppingRules.from_dict(config.get("stopping", {}))

    def refresh(self) -> ExperimentRecord:
        self.record = self.storage.get_experiment(self.name)
        self._read_settings()
        return self.record

    def trials(self, states: Sequence[TrialState] | None = None) -> list[TrialRecord]:
        return self.storage.trials(self.id, states)

    def history(self) -> Sequence[TrialRecord]:
        """The trials this stage's search learns from and counts against its budget: all of
        them, or in a sequential pipeline those of the stage."""
        trials = self.storage.history(self.id)
        return [t for t in trials if self.stage.holds(t)] if self.staged else trials

    @property
    def search_states(self) -> tuple[ExperimentState, ...]:
        return self.stage.states

    @property
    def seconds_key(self) -> str:
        return self.stage.seconds_key

    @property
    def fault_tolerance(self) -> FaultTolerance:
        """Heartbeat interval, grace period and retries, as stored with the experiment."""
        return FaultTolerance.from_config(self.record.config)

    # -- settings a run stores ---------------------------------------------------------------

    def store_settings(
        self,
        estimator: Estimator,
        budget: Budget,
        stopping: StoppingRules,
        workers: int | None,
        executor: str | None,
        fault_tolerance: FaultTolerance | None = None,
        executor_options: Mapping[str, Any] | None = None,
    ) -> None:
        """Store what a run was given (budgets, rules, estimator, workers, executor), so that
        ``resume`` runs with the same."""
        config = dict(self.record.config)
        if executor_options:
            config["executor_options"] = {**config.get("executor_options", {}), **executor_options}
        if fault_tolerance is not None:
            config["fault_tolerance"] = fault_tolerance.to_dict()
        config["budget"] = {**config.get("budget", {}), **budget.to_dict()}
        config["stopping"] = {**config.get("stopping", {}), **stopping.to_dict()}
        describe = getattr(estimator, "to_dict", None)
        described = describe() if callable(describe) else None
        if described:
            config["estimator"] = described
        if workers is not None:
            config["workers"] = workers
        if executor is not None:
            config["executor"] = executor
        if config != self.record.config:
            self.storage.update_experiment(self.id, config=config)
            self.refresh()

    # -- new trials --------------------------------------------------------------------------

    def create_task(
        self,
        history: Sequence[TrialRecord],
        limit: int | None = None,
        vet: Vetter | None = None,
    ) -> TrialTask | None:
        """Create the next trial (None once ``limit`` trials are running or done). ``vet``
        sees every new candidate before its trial is stored and may replace it (a cheaper
        repair) or skip it (see ``netsynth.runner.cost_guard``); a skipped candidate is stored
        as a FAILED trial that says why, and the next one is proposed."""
        for _ in range(_MAX_SKIPS):
            task, skipped = self._create_task(history, limit, vet)
            if skipped is None:
                return task
            history = [*history, self.storage.trial(skipped)]
        raise SpaceExhausted(
            f"the last {_MAX_SKIPS} candidates proposed were all too slow to train in the time "
            "left; the search ends here"
        )

    def _create_task(
        self, history: Sequence[TrialRecord], limit: int | None, vet: Vetter | None
    ) -> tuple[TrialTask | None, int | None]:
        """The new trial's task, or (None, the id of a trial stored as skipped)."""
        space = self.space if self.space is not None else self._inferred.space(history)
        proposed: list[Candidate] = []
        skip: list[str] = []
        limit = self._storage_limit(limit)

        promotion = self.scheduler.promotion(history)

        def draft(number: int) -> TrialDraft:
            if promotion is not None:  # the same candidate again, one rung up
                trial, placement = promotion
                candidate = Candidate(
                    dict(trial.params), {**trial.attrs, PROMOTED_FROM: trial.number}
                )
            else:
                candidate = self.strategy.propose(space, history, [number])[0]
                placement = self.scheduler.assign(candidate, history)
                if vet is not None:
                    fidelity = {**self.search_fidelity, **placement.fidelity}
                    verdict = vet(candidate, fidelity, number)
                    candidate = replace(
                        verdict.candidate, attrs={**verdict.candidate.attrs, **verdict.attrs}
                    )
                    if verdict.skipped is not None:
                        skip.append(verdict.skipped)
            if self.stage.name is not None:
                candidate = replace(candidate, attrs={**candidate.attrs, "stage": self.stage.name})
            proposed.append(candidate)
            declared = candidate.params if self.space is not None else {}
            attrs = candidate.attrs
            if self.space is None and candidate.params:
                # Define-by-run: kept so that a retry can propose the same point again.
                attrs = {**attrs, PROPOSED_PARAMS: dict(candidate.params)}
            return TrialDraft(
                params=declared,
                distributions={name: self._space_dicts[name] for name in declared},
                fidelity={**self.search_fidelity, **placement.fidelity},
                bracket=placement.bracket,
                rung=placement.rung,
                attrs=attrs,
            )

        record = self.storage.create_trial(self.id, draft, limit=limit, worker=worker_id())
        if record is None:
            return None, None
        if skip:
            self.storage.finish_trial(record.id, TrialState.FAILED, reason=skip[0])
            log.info("trial %d: %s", record.number, skip[0])
            return None, record.id
        hints = {} if self.space is not None else proposed[0].params
        return self._task(record, hints=hints), None

    def create_retry(self, failed: TrialRecord, limit: int | None = None) -> TrialTask | None:
        """Create a trial that runs ``failed``'s candidate again (None once ``limit`` trials
        are running or done); the strategy is not asked for a new one. Raises
        ``RetryExistsError`` when another driver has already retried ``failed``."""
        declared = self.space is not None
        draft = retry_draft(failed, declared=declared)
        record = self.storage.create_trial(
            self.id,
            draft,
            limit=self._storage_limit(limit),
            worker=worker_id(),
            retry_of=failed.number,
        )
        if record is None:
            return None
        log.warning(
            "trial %d: retrying trial %d (%s) as attempt %d",
            record.number,
            failed.number,
            failed.reason,
            len(record.attrs.get(RETRY_HISTORY, [])) + 1,
        )
        proposed = failed.attrs.get(PROPOSED_PARAMS) or {}
        return self._task(record, hints={} if declared else {**proposed, **failed.params})

    def _storage_limit(self, limit: int | None) -> int | None:
        """This stage's budget as storage counts it: storage counts every active trial of the
        experiment, so in a staged experiment the other stage's active trials come on top."""
        if limit is None or not self.staged:
            return limit
        return limit + sum(
            1
            for t in self.storage.trials(self.id)
            if not self.stage.holds(t) and t.state is not TrialState.FAILED
        )

    def _task(self, record: TrialRecord, hints: Mapping[str, ParamValue]) -> TrialTask:
        parent = record.attrs.get("parent")
        return TrialTask(
            trial_id=record.id,
            number=record.number,
            seed=self.seed,
            metric=self.objective.metric,
            params=record.params,
            distributions=record.distributions,
            hints=dict(hints),
            fidelity=record.fidelity,
            experiment=self.name,
            parent=int(parent) if isinstance(parent, int) else None,
            first_attempt=first_attempt(record),
            heartbeat_seconds=self.fault_tolerance.heartbeat_seconds,
            deadline=deadline(self.record.attrs, "search"),
        )

    # -- running trials (the TrialChannel of a trial run in this process) --------------------

    def heartbeat(self, task: TrialTask) -> None:
        """Record that the process running ``task`` is alive."""
        self.storage.heartbeat([task.trial_id])

    def report(
        self,
        task: TrialTask,
        report: TrialReport,
        clock_stop: str | None = None,
    ) -> bool:
        """Store an intermediate report; True when the scheduler says stop, or when
        ``clock_stop`` says why the search's time is up. The decision (a new rung, why it
        stops the trial) is stored with the report."""
        decision = CONTINUE
        if self.scheduler.uses_reports:
            history = self.history()
            position = next((i for i, t in enumerate(history) if t.id == task.trial_id), None)
            if position is not None and history[position].state is TrialState.RUNNING:
                record = history[position]
                record = replace(
                    record,
                    reports=(*record.reports, Report(int(report.step), dict(report.metrics))),
                    params=dict(report.params) if report.params is not None else record.params,
                )
                history = [*history[:position], record, *history[position + 1 :]]
                decision = self.scheduler.on_report(record, history)
                if decision.rung == record.rung:
                    decision = replace(decision, rung=None)
        if clock_stop is not None and not decision.stop:
            decision = replace(decision, stop=True, reason=clock_stop)
        try:
            self.storage.add_report(
                task.trial_id,
                report.step,
                report.metrics,
                params=report.params,
                distributions=report.distributions,
                rung=decision.rung,
                reason=decision.reason if decision.stop else None,
            )
        except TrialFinishedError as exc:
            log.warning("trial %d: late report ignored (%s)", task.number, exc)
            return False
        return decision.stop

    def record_outcome(self, task: TrialTask, outcome: Outcome) -> None:
        """Store how a trial ended (a late result of a trial already ended is ignored)."""
        if outcome.state is TrialState.FAILED:
            log.warning("trial %d failed: %s", task.number, outcome.reason)
        reason = outcome.reason
        if outcome.state is TrialState.PRUNED or (
            self.scheduler.uses_reports and outcome.state is not TrialState.FAILED
        ):
            stored = self.storage.trial(task.trial_id)
            if outcome.state is TrialState.PRUNED and stored.reason:
                reason = stored.reason  # the scheduler's (or the clock's) own words
            if self.scheduler.uses_reports:
                self._check_reports(stored)
        try:
            self.storage.finish_trial(
                task.trial_id,
                outcome.state,
                value=outcome.value,
                metrics=outcome.metrics,
                # Empty from a worker that died: keep the params it reported before dying.
                params=outcome.params or None,
                distributions=outcome.distributions or None,
                reason=reason,
                attrs=outcome.attrs or None,
            )
        except TrialFinishedError as exc:
            log.warning(
                "trial %d: result ignored, the trial had already ended (%s)",
                task.number,
                exc,
            )

    def _check_reports(self, trial: TrialRecord) -> None:
        """Say once, naming the trial, when a scheduler that decides on intermediate reports
        sees a trial end without reporting the objective."""
        if self._silent_warned or trial.last_value(self.objective.metric) is not None:
            return
        self._silent_warned = True
        log.warning(
            "trial %d ended without intermediate reports of %r, so the %s scheduler could not "
            "judge it: report every epoch with trial.report(step, %s=...) or use the fifo "
            "scheduler",
            trial.number,
            self.objective.metric,
            self.scheduler.name,
            self.objective.metric,
        )


__all__ = ["ExperimentDriver", "Vetter"]
