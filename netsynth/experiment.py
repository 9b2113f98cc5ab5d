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
(``netsynth run spec.yaml``) compiles to the same calls. An ``Experiment`` is the user's
handle; the bookkeeping of a running search (creating trials, storing reports and outcomes)
is the runner's ``ExperimentDriver``, which the handle holds.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from netsynth.budget import Budget, StoppingRules
from netsynth.errors import ExperimentError
from netsynth.experiment_record import ExperimentRecord, ExperimentState
from netsynth.objective import Objective
from netsynth.outcome import Outcome, outcome_from_result
from netsynth.runner.driver import ExperimentDriver
from netsynth.runner.executor import Executor
from netsynth.runner.executors import make_executor
from netsynth.runner.heartbeat import FaultTolerance
from netsynth.runner.lifecycle import reopen_for_more_trials, run_lifecycle, serve_search
from netsynth.runner.run_clock import checked_time_limit
from netsynth.runner.search_loop import SearchLoop
from netsynth.runner.stored_estimator import ObjectiveLike, estimator_for
from netsynth.schedulers.scheduler import Scheduler
from netsynth.search_progress import ProgressCallback
from netsynth.space.architecture_space import ArchitectureSpace
from netsynth.space.search_space import SearchSpace
from netsynth.storage.storage import Storage
from netsynth.strategies.goal import Goal
from netsynth.strategies.strategy import Strategy
from netsynth.trial import Trial
from netsynth.trial_record import TrialRecord, TrialState


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
    ) -> None:
        self._driver = ExperimentDriver(storage, record, strategy=strategy, scheduler=scheduler)

    # -- reading -----------------------------------------------------------------------------

    @property
    def storage(self) -> Storage:
        return self._driver.storage

    @property
    def record(self) -> ExperimentRecord:
        """The experiment as last read from storage (``refresh()`` reads it again)."""
        return self._driver.record

    @property
    def id(self) -> int:
        return self._driver.id

    @property
    def name(self) -> str:
        return self._driver.name

    @property
    def storage_url(self) -> str:
        return self._driver.storage_url

    @property
    def state(self) -> ExperimentState:
        return self.refresh().state

    @property
    def objective(self) -> Objective:
        return self._driver.objective

    @property
    def goal(self) -> Goal:
        """What "best" means: the objective, with its constraints and Pareto objectives."""
        return self._driver.goal

    @property
    def seed(self) -> int:
        return self._driver.seed

    @property
    def space(self) -> SearchSpace | None:
        """The flat search space (None: define-by-run, the objective suggests its params)."""
        return self._driver.space

    @property
    def architecture(self) -> ArchitectureSpace | None:
        """The architecture space of a network search (None for plain HPO)."""
        return self._driver.architecture

    @property
    def strategy(self) -> Strategy:
        return self._driver.strategy

    @property
    def scheduler(self) -> Scheduler:
        return self._driver.scheduler

    @property
    def budget(self) -> Budget:
        return self._driver.budget

    @property
    def stopping(self) -> StoppingRules:
        return self._driver.stopping

    @property
    def staged(self) -> bool:
        """Whether this is a sequential pipeline, whose trials carry the stage they ran in."""
        return self._driver.staged

    @property
    def search_fidelity(self) -> dict[str, Any]:
        return self._driver.search_fidelity

    def refresh(self) -> ExperimentRecord:
        return self._driver.refresh()

    def trials(self, states: Sequence[TrialState] | None = None) -> list[TrialRecord]:
        return self._driver.trials(states)

    def history(self) -> list[TrialRecord]:
        """The trials the search learns from and counts against its budget."""
        return list(self._driver.history())

    @property
    def best_trial(self) -> TrialRecord | None:
        return self.objective.best(self.trials())

    def leaderboard(self, top: int | None = None) -> list[dict[str, Any]]:
        """Trials ranked best first, as rows for a table (see ``netsynth show``)."""
        from netsynth.display.leaderboard import leaderboard_rows

        trials, _ = self.leaderboard_trials(top)
        return leaderboard_rows(trials, self.objective, top, self.goal, self.staged)

    def leaderboard_trials(self, top: int | None = None) -> tuple[list[TrialRecord], int]:
        """The trials a leaderboard of the ``top`` best needs, and how many trials there are.
        For a plain leaderboard with a ``top``, only those: every trial's outline is ranked
        and just the best are read in full, so showing the top 20 of 100,000 trials does not
        decode them all. A sequential pipeline (ranked per stage), a Pareto front or no
        ``top`` need every trial."""
        if top is None or self.staged or self.goal.pareto:
            trials = self.trials()
            return trials, len(trials)
        from netsynth.display.leaderboard import best_of

        outlines = self.storage.outlines(self.id, metrics=bool(self.goal.constraints))
        best = best_of(outlines, top, self.objective, self.goal)
        return self.storage.trials_by_id([t.id for t in best]), len(outlines)

    def print_leaderboard(self, top: int | None = 10) -> None:
        from netsynth.display.leaderboard import print_leaderboard

        print_leaderboard(self, top)

    # -- ask / tell --------------------------------------------------------------------------

    def ask(self) -> Trial:
        """Start a trial: ``t = exp.ask(); ...; exp.tell(t, value)``."""
        task = self._driver.create_task(self.storage.history(self.id))
        assert task is not None
        return Trial(task, self._driver)

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
        self._driver.record_outcome(trial.task, outcome)
        return self.storage.trial(trial.task.trial_id)

    # -- run ---------------------------------------------------------------------------------

    def run(
        self,
        objective: ObjectiveLike | None = None,
        *,
        max_trials: int | None = None,
        max_failed_trials: int | None = None,
        max_wall_seconds: float | None = None,
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
        in active time summed across resumes; ``max_wall_seconds`` (Optuna's ``timeout``, an
        accepted alias) bounds the search alone;
        ``final_share`` of it goes to retraining, test and export (default 1/3).
        ``objective`` may be left out when the experiment stored a reference to it.
        ``fault_tolerance``: heartbeats, the grace period before a silent trial is failed,
        and retries of lost trials (stored too). ``executor_options`` for ``executor="ray"``:
        ``address`` (default: a local Ray), ``num_cpus`` and ``num_gpus`` per trial.
        ``worker=True`` only serves trials of the search that a main driver runs (it waits
        until the experiment is SEARCHING and returns when the search ends, taking no other
        lifecycle step): ``netsynth run --worker``."""
        if timeout is not None:
            if max_wall_seconds is not None:
                raise TypeError("give max_wall_seconds= or its alias timeout=, not both")
            max_wall_seconds = timeout
        driver = self._driver
        estimator = estimator_for(objective, self.record)
        seconds = (
            None
            if time_limit is None
            else checked_time_limit(time_limit, max_wall_seconds, final_share, driver.budget)
        )
        budget = Budget(
            max_trials,
            max_failed_trials,
            max_wall_seconds,
            max_compute_seconds,
            seconds,
            final_share,
        )
        stopping = StoppingRules(target, patience)
        if not worker:  # a larger total continues a finished search; a smaller one is refused
            reopen_for_more_trials(driver, budget, stopping)
        driver.store_settings(
            estimator,
            budget,
            stopping,
            workers,
            executor if isinstance(executor, str) else None,
            fault_tolerance,
            executor_options,
        )
        loop = SearchLoop(
            driver,
            estimator,
            make_executor(executor, workers, self.record.config),
            on_progress=self._progress_callback(progress),
        )
        if worker:
            return serve_search(driver, loop)
        return run_lifecycle(driver, estimator, loop)

    def _progress_callback(self, progress: bool | ProgressCallback) -> ProgressCallback | None:
        if progress is True:
            from netsynth.display.progress import ProgressBar

            return ProgressBar(self.name)
        return progress or None

    # -- export ------------------------------------------------------------------------------

    def export(self, folder: str | Path, trial: int | None = None) -> Path:
        """Write the winner of a finished network search (or trial ``trial``, retrained from
        scratch first when it was not among the retrained candidates) to ``folder``, for
        ``netsynth.export.load_model``; returns the folder (``netsynth export``)."""
        from netsynth.runner.final_stages import export_experiment  # torch only when needed

        return export_experiment(self._driver, Path(folder), trial)


def export_experiment(experiment: Experiment, folder: Path, trial: int | None = None) -> Path:
    """``experiment.export(folder, trial)``, as a function for the CLI and the dashboard."""
    return experiment.export(folder, trial)


__all__ = ["Experiment", "ExperimentError", "export_experiment"]
