"""Turn a validated spec into the same objects the Python API builds."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from netsynth.estimation.command import CommandEstimator
from netsynth.estimation.estimator import Estimator
from netsynth.estimation.function import (
    FunctionEstimator,
    ObjectiveRefError,
    absolute_ref,
    check_ref,
)
from netsynth.experiment import Experiment
from netsynth.experiment_factory import create_experiment
from netsynth.objective import Direction, Objective
from netsynth.runner.heartbeat import FaultTolerance
from netsynth.schedulers.registry import make_scheduler
from netsynth.spec.errors import SpecError
from netsynth.spec.estimator_spec import (
    InheritanceEstimatorSpec,
    OneShotEstimatorSpec,
    TapasEstimatorSpec,
    ZeroCostEstimatorSpec,
)
from netsynth.spec.schema import ExperimentSpec
from netsynth.storage.url import DEFAULT_STORAGE_URL
from netsynth.strategies.context import StrategyContext
from netsynth.strategies.goal import Goal
from netsynth.strategies.registry import make_strategy

if TYPE_CHECKING:
    from netsynth.estimation.training import DataConfig


@dataclass(frozen=True)
class CompiledSpec:
    experiment: Experiment
    estimator: Estimator
    run_options: dict[str, Any]
    notes: list[str] = field(default_factory=list)  # what an auto space chose, in words


def with_time_limit(spec: ExperimentSpec, source: str, seconds: float) -> ExperimentSpec:
    """``spec`` with its time limit set to ``seconds`` (``--time``), checked like the spec's."""
    from pydantic import ValidationError

    from netsynth.spec.errors import spec_error_from_validation
    from netsynth.spec.schema import BudgetSpec

    budget = spec.budget.model_dump(exclude_none=True) if spec.budget is not None else {}
    try:
        checked = BudgetSpec.model_validate({**budget, "time": seconds})
    except ValidationError as exc:
        raise spec_error_from_validation(source, exc, prefix="budget") from None
    return spec.model_copy(update={"budget": checked})


def _component(
    spec: ExperimentSpec, source: str, base_dir: Path
) -> tuple[dict[str, Any], dict[str, Any]]:
    strategy = {"name": spec.strategy.name, **spec.strategy.settings()}
    scheduler = {"name": spec.scheduler.name, **spec.scheduler.settings()}
    try:
        make_strategy(strategy, seed=0, context=_context(spec, base_dir))
    except ValueError as exc:
        raise SpecError(source, [("strategy", str(exc))]) from None
    try:
        objective = spec.resolved_objective
        make_scheduler(scheduler, Objective(objective.metric, Direction(objective.direction)))
    except ValueError as exc:
        raise SpecError(source, [("scheduler", str(exc))]) from None
    return strategy, scheduler


def _tuning(spec: ExperimentSpec, source: str) -> dict[str, Any] | None:
    """Stage 2 of a sequential pipeline as stored (its components checked now)."""
    if spec.tuning is None:
        return None
    from netsynth.runner.tuning_stage import TuningStage

    tuning = spec.tuning
    strategy = {"name": tuning.strategy.name, **tuning.strategy.settings()}
    scheduler = {"name": tuning.scheduler.name, **tuning.scheduler.settings()}
    objective = spec.resolved_objective
    try:
        make_strategy(strategy, seed=0)
    except ValueError as exc:
        raise SpecError(source, [("tuning.strategy", str(exc))]) from None
    try:
        make_scheduler(scheduler, Objective(objective.metric, Direction(objective.direction)))
    except ValueError as exc:
        raise SpecError(source, [("tuning.scheduler", str(exc))]) from None
    return TuningStage(
        top_k=tuning.top_k,
        strategy=strategy,
        scheduler=scheduler,
        budget=tuning.budget.model_dump(exclude_none=True),
        stopping=tuning.stopping.model_dump(exclude_none=True),
        training=spec.tuning_training(),
    ).to_dict()


def _context(spec: ExperimentSpec, base_dir: Path) -> StrategyContext:
    from netsynth.space.architecture_space import make_architecture_space

    config = spec.architecture_config(base_dir)
    architecture = make_architecture_space(config) if config is not None else None
    goal = Goal.from_config(
        {"objective": spec.resolved_objective.model_dump(), "goal": spec.resolved_objective.goal()}
    )
    return StrategyContext(goal, architecture)


def _dataset_source(dataset: str, base_dir: Path) -> str:
    """Built-in names stay as they are; paths become absolute (relative to the spec)."""
    from netsynth.data.registry import BUILTIN

    if dataset in BUILTIN:
        return dataset
    path = Path(dataset).expanduser()
    return str(path if path.is_absolute() else (base_dir / path).resolve())


def _estimator(spec: ExperimentSpec, base_dir: Path) -> Estimator:
    """The estimator the spec's ``estimator`` block (or its ``trial``) describes."""
    if spec.benchmark is not None:
        from netsynth.tabular.published_estimator import PublishedTableEstimator

        return PublishedTableEstimator(spec.benchmark, getattr(spec.estimator, "cost_scale", 1.0))
    if spec.is_tabular:
        from netsynth.tabular.estimator import TabularEstimator

        return TabularEstimator(spec.table_path(base_dir))
    if spec.architecture is None:
        assert spec.trial is not None
        if spec.trial.function is not None:
            return FunctionEstimator.from_ref(spec.trial.function, base_dir)
        assert spec.trial.command is not None
        return CommandEstimator(spec.trial.command, cwd=str(base_dir.resolve()))
    from netsynth.estimation.training import FinalConfig, TrainingEstimator
    from netsynth.space.architecture_space import make_architecture_space

    config = spec.architecture_config(base_dir)
    assert config is not None
    space = make_architecture_space(config)
    final = FinalConfig(
        spec.final.top_k, spec.final.epochs, spec.final.export_dir, spec.final.test_time_mirror
    )
    block = spec.estimator
    if isinstance(block, OneShotEstimatorSpec):
        from netsynth.oneshot.config import OneShotConfig
        from netsynth.oneshot.oneshot_estimator import OneShotEstimator

        return OneShotEstimator(
            space,
            _data_config(spec, base_dir),
            OneShotConfig.from_dict(block.config()),
            final,
            device=spec.execution.device,
            threads=spec.execution.threads,
        )
    training = TrainingEstimator(
        space,
        _data_config(spec, base_dir),
        final,
        device=spec.execution.device,
        threads=spec.execution.threads,
        inherit_epochs=block.epochs if isinstance(block, InheritanceEstimatorSpec) else None,
        lde=spec.lde,
    )
    if isinstance(block, TapasEstimatorSpec):
        from netsynth.tapas.tapas_estimator import TapasEstimator

        return TapasEstimator(
            training,
            lde=block.lde,
            tau=block.tau,
            min_records=block.min_records,
            fit_epochs=block.fit_epochs,
            proxies=tuple(block.proxies),
        )
    if isinstance(block, ZeroCostEstimatorSpec):
        from netsynth.tapas.zero_cost_estimator import ZeroCostEstimator

        return ZeroCostEstimator(training, proxy=block.proxy, batch_size=block.batch_size)
    return training


def _data_config(spec: ExperimentSpec, base_dir: Path) -> DataConfig:
    from netsynth.estimation.training import DataConfig

    assert spec.data is not None
    return DataConfig(
        dataset=_dataset_source(spec.data.dataset, base_dir),
        options=dict(spec.data.options),
        val_fraction=spec.data.val_fraction,
        test_fraction=spec.data.test_fraction,
        seed=spec.data.seed,
    )


def _search_space(spec: ExperimentSpec, base_dir: Path) -> Any:
    config = spec.architecture_config(base_dir)
    if config is not None:
        from netsynth.space.architecture_space import make_architecture_space

        return make_architecture_space(config).flat()
    return spec.search_space()


def check_spec(spec: ExperimentSpec, source: str, base_dir: Path) -> None:
    """Every check short of running: components exist and accept their settings, the objective
    function can be found (without importing user code)."""
    table = spec.table_path(base_dir)
    if table is not None:
        from netsynth.tabular.table import TabularTable

        try:
            TabularTable.load(table)
        except (OSError, ValueError, KeyError) as exc:
            raise SpecError(source, [("estimator.table", f"cannot read {table}: {exc}")]) from None
    if spec.benchmark is not None:
        from netsynth.tabular.published import PublishedTable

        try:
            PublishedTable.load(spec.benchmark)
        except (OSError, ValueError) as exc:
            raise SpecError(source, [("estimator.benchmark", str(exc))]) from None
    _component(spec, source, base_dir)
    _tuning(spec, source)
    if spec.trial is not None and spec.trial.function is not None:
        try:
            check_ref(absolute_ref(spec.trial.function, base_dir))
        except ObjectiveRefError as exc:
            raise SpecError(source, [("trial.function", str(exc))]) from None


def compile_spec(
    spec: ExperimentSpec,
    *,
    source: str,
    base_dir: Path,
    storage: str | None = None,
    name: str | None = None,
) -> CompiledSpec:
    """Create (or join, if it exists with the same search) the experiment a spec describes.
    An auto space is chosen from the data first (``netsynth.spec.auto``)."""
    from netsynth.spec.auto import resolve_auto

    resolved = resolve_auto(spec, source, base_dir)
    spec = resolved.spec
    check_spec(spec, source, base_dir)
    strategy, scheduler = _component(spec, source, base_dir)
    tuning = _tuning(spec, source)
    objective = spec.resolved_objective
    estimator = _estimator(spec, base_dir)  # before the experiment: a bad spec creates nothing
    if resolved.dataset is not None and hasattr(estimator, "use_dataset"):
        estimator.use_dataset(resolved.dataset)  # loaded once already: not again in PREPARING
    experiment = create_experiment(
        name or spec.name or Path(source).stem,
        storage=storage or spec.storage or DEFAULT_STORAGE_URL,
        direction=objective.direction,
        metric=objective.metric,
        parameters=_search_space(spec, base_dir),
        architecture=spec.architecture_config(base_dir),
        constraints=objective.constraints,
        pareto=[(p.metric, p.direction) for p in objective.pareto],
        strategy=strategy,
        scheduler=scheduler,
        seed=spec.seed,
        tuning=tuning,
        fidelity=spec.fidelity,
        load_if_exists=True,
    )
    budget, stopping = spec.resolved_budget, spec.stopping
    run_options = {
        "max_trials": budget.max_trials,
        "max_failed_trials": budget.max_failed_trials,
        "timeout": budget.max_wall_seconds,
        "time_limit": budget.time,
        "final_share": budget.final_share,
        "max_compute_seconds": budget.max_compute_seconds,
        "target": stopping.target,
        "patience": stopping.patience,
        "workers": spec.execution.workers,
        "executor": spec.execution.executor,
        "executor_options": {
            "address": spec.execution.ray_address,
            "num_cpus": spec.execution.cpus_per_trial,
            "num_gpus": spec.execution.gpus_per_trial,
        },
        "fault_tolerance": FaultTolerance(
            heartbeat_seconds=spec.execution.heartbeat_seconds,
            lost_after_seconds=spec.execution.lost_after_seconds,
            max_retries=spec.execution.max_retries,
        ),
    }
    return CompiledSpec(experiment, estimator, run_options, resolved.notes)
