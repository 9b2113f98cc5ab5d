"""Experiments: create or load one, then ``ask``/``tell`` or ``run`` an objective on it.

>>> import netsynth
>>> exp = netsynth.create_experiment("demo", direction="minimize")
>>> def objective(trial):
...     x = trial.suggest_float("x", -10, 10)
...     return (x - 2) ** 2
>>> exp.run(objective, max_trials=20, progress=False).value
'COMPLETED'
>>> exp.best_trial.value < 10
True

``run`` is a loop around the same steps as ``ask`` and ``tell``; the declarative spec
(``netsynth run spec.yaml``) compiles to the same calls.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from netsynth.budget import Budget, StoppingRules
from netsynth.estimation.command import CommandEstimator
from netsynth.estimation.estimator import Estimator
from netsynth.estimation.function import FunctionEstimator
from netsynth.experiment_record import ExperimentRecord, ExperimentState
from netsynth.objective import Objective
from netsynth.outcome import Outcome, outcome_from_result
from netsynth.runner.executor import Executor
from netsynth.runner.heartbeat import FaultTolerance
from netsynth.runner.history_tally import FinishedFeed
from netsynth.runner.inline import InlineExecutor
from netsynth.runner.lifecycle import reopen_for_more_trials, run_lifecycle, serve_search
from netsynth.runner.lost_trials import worker_id
from netsynth.runner.process_pool import ProcessPoolExecutor
from netsynth.runner.retries import PROPOSED_PARAMS, RETRY_HISTORY, first_attempt, retry_draft
from netsynth.runner.run_clock import deadline
from netsynth.runner.search_loop import ProgressCallback, SearchLoop
from netsynth.schedulers.registry import make_scheduler
from netsynth.schedulers.scheduler import CONTINUE, Scheduler
from netsynth.schedulers.successive_halving import PROMOTED_FROM
from netsynth.space.architecture_space import make_architecture_space
from netsynth.space.distributions import (
    Distribution,
    ParamValue,
    distribution_from_dict,
)
from netsynth.space.search_space import SearchSpace
from netsynth.storage.storage import (
    Storage,
    TrialDraft,
    TrialFinishedError,
)
from netsynth.strategies.context import StrategyContext
from netsynth.strategies.goal import Goal
from netsynth.strategies.registry import make_strategy
from netsynth.strategies.strategy import Candidate, SpaceExhausted, Strategy
from netsynth.trial import Trial
from netsynth.trial_record import Report, TrialRecord, TrialState
from netsynth.trial_task import TrialTask

if TYPE_CHECKING:
    from netsynth.runner.cost_guard import Verdict

log = logging.getLogger("netsynth")


ObjectiveLike = Callable[[Trial], Any] | Estimator
# Sees a new candidate (with its trial's fidelity and number) before its trial is stored.
Vetter = Callable[[Candidate, dict[str, Any], int], "Verdict"]
_MAX_SKIPS = 50  # consecutive skipped candidates after which the search ends


class ExperimentError(ValueError):
    """A request the experiment cannot honour, with what to do instead."""


def estimator_from_config(data: Mapping[str, Any] | None) -> Estimator | None:
    """Rebuild the estimator a stored experiment was run with, if it can be named."""
    if not data:
        return None
    if data.get("type") == "function":
        return FunctionEstimator(ref=data["ref"])
    if data.get("type") == "command":
        return CommandEstimator(data["command"], cwd=data.get("cwd"))
    if data.get("type") == "train":
        from netsynth.estimation.training import TrainingEstimator  # torch only when needed

        return TrainingEstimator.from_dict(dict(data))
    if data.get("type") == "oneshot":
        from netsynth.oneshot.oneshot_estimator import OneShotEstimator

        return OneShotEstimator.from_dict(dict(data))
    if data.get("type") == "tapas":
        from netsynth.tapas.tapas_estimator import TapasEstimator

        return TapasEstimator.from_dict(dict(data))
    if data.get("type") == "zero_cost":
        from netsynth.tapas.zero_cost_estimator import ZeroCostEstimator

        return ZeroCostEstimator.from_dict(dict(data))
    if data.get("type") == "tabular":
        from netsynth.tabular.estimator import TabularEstimator

        return TabularEstimator(data.get("table"))
    raise ExperimentError(f"unknown estimator type {data.get('type')!r} in the stored config")


class Experiment:
    """A named search, backed by storage. Get one with ``create_experiment`` or
    ``load_experiment``; every method reads the storage, so several processes can share it."""

    def __init__(
        self,
        storage: Storage,
        record: ExperimentRecord,
        *,
        strategy: Strategy | None = None,
        scheduler: Scheduler | None = None,
        stage: str | None = None,
    ) -> None:
        """``stage``: the view of one stage of a sequential pipeline (``"tuning"``: stage 2,
        its own space, strategy and budget, and only its own trials as history)."""
        self.storage = storage
        self.record = record
        self.stage = stage
        self.staged = "tuning" in record.config  # trials carry the stage they belong to
        config = self._stage_config(record)
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
        self._inferred: dict[str, Distribution] = {}
        self._inferred_feed = FinishedFeed()
        self._inferred_space = SearchSpace({})
        self._silent_warned = False
        self._read_settings()

    # -- reading -----------------------------------------------------------------------------

    @property
    def id(self) -> int:
        return self.record.id

    @property
    def name(self) -> str:
        return self.record.name

    def _stored_attrs(self) -> dict[str, Any]:
        """The experiment's attrs as stored now (PREPARING may have run in another process);
        a read only: this view's settings stay as they are."""
        return dict(self.storage.get_experiment(self.name).attrs)

    @property
    def storage_url(self) -> str:
        return str(getattr(self.storage, "url", "memory"))

    @property
    def state(self) -> ExperimentState:
        return self.refresh().state

    def _stage_config(self, record: ExperimentRecord) -> dict[str, Any]:
        if self.stage is None:
            return record.config
        from netsynth.runner.tuning_stage import tuning_config

        return tuning_config(record)

    def _read_settings(self) -> None:
        config = self._stage_config(self.record)
        self.budget = Budget.from_dict(config.get("budget", {}))
        self.stopping = StoppingRules.from_dict(config.get("stopping", {}))

    @property
    def search_states(self) -> tuple[ExperimentState, ...]:
        """The lifecycle states in which this view's search runs."""
        if self.stage is None:
            return (ExperimentState.PREPARING, ExperimentState.SEARCHING)
        return (ExperimentState.TUNING,)

    @property
    def seconds_key(self) -> str:
        """The experiment attr that accumulates this view's search time."""
        return "search_seconds" if self.stage is None else f"{self.stage}_seconds"

    def in_view(self, trial: TrialRecord) -> bool:
        return trial.attrs.get("stage") == self.stage

    def history(self) -> list[TrialRecord]:
        """The trials this view's search learns from and counts against its budget: all of
        them, or in a sequential pipeline those of the stage."""
        trials = self.storage.trials(self.id)
        return [t for t in trials if self.in_view(t)] if self.staged else trials

    def refresh(self) -> ExperimentRecord:
        self.record = self.storage.get_experiment(self.name)
        self._read_settings()
        return self.record

    def trials(self, states: Sequence[TrialState] | None = None) -> list[TrialRecord]:
        return self.storage.trials(self.id, states)

    @property
    def best_trial(self) -> TrialRecord | None:
        return self.objective.best(self.trials())

    def leaderboard(self, top: int | None = None) -> list[dict[str, Any]]:
        """Trials ranked best first, as rows for a table (see ``netsynth show``)."""
        from netsynth.display.leaderboard import leaderboard_rows

        return leaderboard_rows(self.trials(), self.objective, top, self.goal, self.staged)

    def print_leaderboard(self, top: int | None = 10) -> None:
        from netsynth.display.leaderboard import print_leaderboard

        print_leaderboard(self, top)

    # -- ask / tell --------------------------------------------------------------------------

    def ask(self) -> Trial:
        """Start a trial: ``t = exp.ask(); ...; exp.tell(t, value)``."""
        task = self.create_task(self.trials())
        assert task is not None
        return Trial(task, self)

    def tell(
        self, trial: Trial, value: Any = None, *, state: TrialState | str | None = None
    ) -> TrialRecord:
        """Finish a trial from ``ask`` with its value (or dict of metrics). ``state="FAILED"``
        or ``"PRUNED"`` ends it that way instead."""
        state = TrialState(state) if state is not None else None
        if state is TrialState.FAILED:
            outcome = Outcome(
                TrialState.FAILED,
                params=trial.params,
                distributions=trial.distributions,
                reason="marked failed by tell()",
            )
        elif state is TrialState.PRUNED:
            outcome = Outcome(
                TrialState.PRUNED,
                trial.last_value(),
                dict(trial.last_metrics),
                trial.params,
                trial.distributions,
                reason="pruned by tell()",
            )
        else:
            outcome = outcome_from_result(value, trial)
        self.record_outcome(trial.task, outcome)
        return self.storage.trial(trial.task.trial_id)

    # -- the steps run() and ask/tell share ---------------------------------------------------

    def _proposal_space(self, history: Sequence[TrialRecord]) -> SearchSpace:
        """The declared space, or for define-by-run the parameters finished trials used."""
        if self.space is not None:
            return self.space
        changed = False
        for trial in self._inferred_feed.fresh(history):
            if trial.state is TrialState.COMPLETE:
                for name, data in trial.distributions.items():
                    if name not in self._inferred:
                        self._inferred[name] = distribution_from_dict(data)
                        changed = True
        if changed:
            self._inferred_space = SearchSpace(self._inferred)
        return self._inferred_space

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
        space = self._proposal_space(history)
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
            if self.stage is not None:
                candidate = replace(candidate, attrs={**candidate.attrs, "stage": self.stage})
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
        """This view's budget as storage counts it: storage counts every active trial of the
        experiment, so in a staged experiment the other stage's active trials come on top."""
        if limit is None or not self.staged:
            return limit
        return limit + sum(
            1
            for t in self.storage.trials(self.id)
            if not self.in_view(t) and t.state is not TrialState.FAILED
        )

    def _task(self, record: TrialRecord, hints: Mapping[str, ParamValue]) -> TrialTask:
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
            parent=_parent_of(record.attrs),
            first_attempt=first_attempt(record),
            heartbeat_seconds=self.fault_tolerance.heartbeat_seconds,
            deadline=deadline(self.record.attrs, "search"),
        )

    @property
    def fault_tolerance(self) -> FaultTolerance:
        """Heartbeat interval, grace period and retries, as stored with the experiment."""
        return FaultTolerance.from_config(self.record.config)

    def heartbeat(self, task: TrialTask) -> None:
        """Record that the process running ``task`` is alive (the ``TrialChannel`` method)."""
        self.storage.heartbeat([task.trial_id])

    def report(
        self,
        task: TrialTask,
        step: int,
        metrics: Mapping[str, float],
        params: Mapping[str, ParamValue] | None,
        distributions: Mapping[str, Mapping[str, Any]] | None,
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
                    reports=(*record.reports, Report(int(step), dict(metrics))),
                    params=dict(params) if params is not None else record.params,
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
                step,
                metrics,
                params=params,
                distributions=distributions,
                rung=decision.rung,
                reason=decision.reason if decision.stop else None,
            )
        except TrialFinishedError as exc:
            log.warning("trial %d: late report ignored (%s)", task.number, exc)
            return False
        return decision.stop

    def record_outcome(self, task: TrialTask, outcome: Outcome) -> None:
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

    # -- run ---------------------------------------------------------------------------------

    def run(
        self,
        objective: ObjectiveLike | None = None,
        *,
        max_trials: int | None = None,
        max_failed_trials: int | None = None,
        timeout: float | None = None,
        max_compute_seconds: float | None = None,
        time_limit: float | str | None = None,
        final_share: float | str | None = None,
        target: float | None = None,
        patience: int | None = None,
        workers: int | None = None,
        executor: str | Executor | None = None,
        progress: bool | ProgressCallback = True,
        fault_tolerance: FaultTolerance | None = None,
        executor_options: Mapping[str, Any] | None = None,
        worker: bool = False,
    ) -> ExperimentState:
        """Search until a budget or stopping rule ends it, then take the remaining lifecycle
        states; returns the final state. Budgets given here are stored, so ``resume`` keeps
        them. ``max_trials`` is a total: on a COMPLETED experiment a larger one than its trials
        continues the search and redoes retraining, test and export; one at or below them
        raises ``ExperimentError`` (see ``runner.lifecycle.reopen_for_more_trials``).
        ``time_limit`` (seconds) bounds the whole run, search, retraining, test and export,
        in active time summed across resumes (``timeout`` bounds the search alone);
        ``final_share`` of it goes to retraining, test and export (default 1/3).
        ``objective`` may be left out when the experiment stored a reference to it.
        ``fault_tolerance``: heartbeats, the grace period before a silent trial is failed,
        and retries of lost trials (stored too). ``executor_options`` for ``executor="ray"``:
        ``address`` (default: a local Ray), ``num_cpus`` and ``num_gpus`` per trial.
        ``worker=True`` only serves trials of the search that a main driver runs (it waits
        until the experiment is SEARCHING and returns when the search ends, taking no other
        lifecycle step): ``netsynth run --worker``."""
        estimator = self._estimator(objective)
        seconds = (
            None
            if time_limit is None
            else self._checked_time_limit(time_limit, timeout, final_share)
        )
        budget = Budget(
            max_trials, max_failed_trials, timeout, max_compute_seconds, seconds, final_share
        )
        stopping = StoppingRules(target, patience)
        if not worker:  # a larger total continues a finished search; a smaller one is refused
            reopen_for_more_trials(self, budget, stopping)
        self._store_settings(
            estimator,
            budget,
            stopping,
            workers,
            executor if isinstance(executor, str) else None,
            fault_tolerance,
            executor_options,
        )
        loop = SearchLoop(
            self,
            estimator,
            self._executor(executor, workers),
            on_progress=self._progress_callback(progress),
        )
        if worker:
            return serve_search(self, loop)
        return run_lifecycle(self, estimator, loop)

    def _checked_time_limit(
        self, limit: float | str, timeout: float | None, final_share: float | str | None
    ) -> float:
        """Seconds of ``limit`` (``"10m"`` works too), checked against the search's own
        wall-time budget, which must be shorter."""
        from netsynth.time_limit import DurationError, TimePlan, parse_duration

        try:
            seconds = parse_duration(limit)
            wall = timeout if timeout is not None else self.budget.max_wall_seconds
            share = final_share if final_share is not None else self.budget.final_share
            TimePlan.for_limit(seconds, wall, share)
        except DurationError as exc:
            raise ExperimentError(f"time_limit: {exc}") from None
        return seconds

    def _estimator(self, objective: ObjectiveLike | None) -> Estimator:
        if objective is None:
            stored = estimator_from_config(self.record.config.get("estimator"))
            if stored is None:
                raise ExperimentError(
                    f"experiment {self.name!r} has no stored objective (it was defined in a "
                    "script); run that script again, or call "
                    f"load_experiment({self.name!r}, storage=...).run(objective)"
                )
            return stored
        if hasattr(objective, "estimate"):
            return objective
        if callable(objective):
            return FunctionEstimator(objective)
        raise ExperimentError(f"objective must be a function or an Estimator, got {objective!r}")

    def _store_settings(
        self,
        estimator: Estimator,
        budget: Budget,
        stopping: StoppingRules,
        workers: int | None,
        executor: str | None,
        fault_tolerance: FaultTolerance | None = None,
        executor_options: Mapping[str, Any] | None = None,
    ) -> None:
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

    def _executor(self, executor: str | Executor | None, workers: int | None) -> Executor:
        if executor is not None and not isinstance(executor, str):
            return executor
        workers = workers if workers is not None else int(self.record.config.get("workers", 1))
        kind = (
            executor
            or self.record.config.get("executor")
            or ("inline" if workers == 1 else "process")
        )
        if kind == "inline":
            if workers != 1:
                raise ExperimentError("the inline executor runs one trial at a time; use workers=1")
            return InlineExecutor()
        if kind == "process":
            return ProcessPoolExecutor(workers)
        if kind == "ray":
            from netsynth.runner.ray_executor import RayExecutor, import_ray

            import_ray()  # before the search starts: say how to install it
            options = self.record.config.get("executor_options") or {}
            return RayExecutor(
                workers,
                address=options.get("address"),
                num_cpus=float(options.get("num_cpus", 1.0)),
                num_gpus=float(options.get("num_gpus", 0.0)),
            )
        raise ExperimentError(f"unknown executor {kind!r}; use 'inline', 'process' or 'ray'")

    def _progress_callback(self, progress: bool | ProgressCallback) -> ProgressCallback | None:
        if progress is True:
            from netsynth.display.progress import ProgressBar

            return ProgressBar(self.name)
        return progress or None


def _parent_of(attrs: Mapping[str, Any]) -> int | None:
    parent = attrs.get("parent")
    return int(parent) if isinstance(parent, int) else None
