"""The declarative experiment spec (Katib-like), validated with pydantic.

A hyperparameter search names its ``trial`` and its flat ``parameters``:

```yaml
name: hpo-quadratic
objective: {metric: loss, direction: minimize}
trial: {function: quadratic.py:objective}   # or {command: [python, train.py, --lr, "${lr}"]}
parameters:
  - {name: x, type: float, low: -10, high: 10}
  - {name: n, type: int, low: 1, high: 64, log: true}
  - {name: opt, type: categorical, choices: [sgd, adam]}
  - {name: momentum, type: float, low: 0.0, high: 0.99, condition: {parent: opt, values: [sgd]}}
strategy: {name: random}                    # or algorithm: (Katib's name for it)
budget: {max_trials: 50, max_failed_trials: 5, max_wall_seconds: 600}
stopping: {target: 0.001, patience: 20}
execution: {workers: 2}
```

An architecture search names its ``data`` and its ``architecture`` space (training
hyperparameters go under ``architecture.training``), and how candidates are scored:

```yaml
data: {dataset: mnist1d}
architecture: {type: chain, max_layers: 4, training: {epochs: 4}}
estimator: {type: training}                 # see netsynth.spec.estimator_spec
strategy: {name: evolution}
```

The spellings of netsynth 0.1 (``space:``, ``estimator: tapas``, ``oneshot: {...}``...) are
rewritten by ``netsynth.spec.spelling`` with a deprecation warning.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

from netsynth.space.cell_space import CellSpaceConfig
from netsynth.space.chain_space import ChainSpaceConfig
from netsynth.space.dag_space import DagSpaceConfig
from netsynth.space.nb201_space import NB201SpaceConfig
from netsynth.space.search_space import Condition, SearchSpace
from netsynth.space.training_space import FlatBuilder, TrainingSpaceConfig
from netsynth.space.union_space import UnionSpaceConfig
from netsynth.space.zoo_space import ZooSpaceConfig
from netsynth.spec.estimator_spec import (
    EstimatorSpec,
    TapasEstimatorSpec,
    TrainingEstimatorSpec,
    ZeroCostEstimatorSpec,
)
from netsynth.spec.field_error import FieldError
from netsynth.spec.parameter_spec import Name, Parameter, check_placeholders
from netsynth.spec.spelling import respell
from netsynth.strict_model import Strict


class ParetoObjectiveSpec(Strict):
    metric: Name
    direction: Literal["minimize", "maximize"]


class ObjectiveSpec(Strict):
    """The metric to optimize; ``constraints`` bound other metrics from above (``{params:
    20000, latency_ms: 5}``: infeasible trials rank below every feasible one); ``pareto``
    lists further objectives traded off against this one (the leaderboard shows the front)."""

    metric: Name = "value"
    direction: Literal["minimize", "maximize"]
    constraints: dict[Name, float] = Field(default_factory=dict)
    pareto: list[ParetoObjectiveSpec] = Field(default_factory=list)

    def goal(self) -> dict[str, Any]:
        """The stored form (``Goal.from_config`` reads it back)."""
        return {
            "constraints": dict(self.constraints),
            "pareto": [p.model_dump() for p in self.pareto],
        }


class TrialSpec(Strict):
    """Exactly one of: a Python function (``module:function`` or ``file.py:function``,
    relative to the spec's folder), or a command whose output lines carry the metrics."""

    function: str | None = None
    command: list[str] | None = Field(default=None, min_length=1)

    @model_validator(mode="after")
    def _one_kind(self) -> TrialSpec:
        if (self.function is None) == (self.command is None):
            raise ValueError("give exactly one of 'function' or 'command'")
        return self


class ComponentSpec(BaseModel):
    """``{name: ..., <settings>}``; the settings are checked by the component itself."""

    model_config = ConfigDict(extra="allow", frozen=True)
    name: Name

    def settings(self) -> dict[str, Any]:
        return dict(self.model_extra or {})


def _duration(value: Any) -> Any:
    if value is None:
        return None
    from netsynth.time_limit import parse_duration

    return parse_duration(value)  # DurationError is a ValueError: reported on the field


Duration = Annotated[float, BeforeValidator(_duration)]


class BudgetSpec(Strict):
    """``time``: one wall-clock limit for the whole run, search, retraining, test and export
    (``90s``, ``10m``, ``1h`` or seconds); ``max_wall_seconds`` bounds the search alone."""

    time: Duration | None = None
    # of ``time``: retraining, test and export (default 1/3; the search gets the rest)
    final_share: Annotated[float, Field(ge=0.05, le=0.9)] | Literal["auto"] | None = None
    max_trials: int | None = Field(default=None, ge=1)
    max_failed_trials: int | None = Field(default=None, ge=0)
    max_wall_seconds: float | None = Field(default=None, gt=0)
    max_compute_seconds: float | None = Field(default=None, gt=0)

    @model_validator(mode="after")
    def _bounded(self) -> BudgetSpec:
        if (
            self.time is None
            and self.max_trials is None
            and self.max_wall_seconds is None
            and self.max_compute_seconds is None
        ):
            raise ValueError(
                "set time, max_trials, max_wall_seconds or max_compute_seconds so the search ends"
            )
        if self.final_share is not None and self.time is None:
            raise ValueError("final_share is a share of the time limit: set time too")
        if self.time is not None and self.max_wall_seconds is not None:
            if self.max_wall_seconds >= self.time:
                raise ValueError(
                    f"max_wall_seconds ({self.max_wall_seconds:g}) bounds the search alone and "
                    f"must be less than time ({self.time:g}s), which also covers retraining, "
                    "test and export"
                )
        return self


class StoppingSpec(Strict):
    target: float | None = None
    patience: int | None = Field(default=None, ge=1)


class ExecutionSpec(Strict):
    workers: int = Field(default=1, ge=1, le=1024)
    executor: Literal["inline", "process", "ray"] | None = None
    ray_address: str | None = None  # executor ray: a cluster (ray://HEAD:10001); None: local
    cpus_per_trial: float = Field(default=1.0, gt=0)  # executor ray: CPUs each trial reserves
    gpus_per_trial: float = Field(default=0.0, ge=0)  # executor ray: GPUs (0.5 shares one)
    device: str = "auto"  # trained architectures: auto (CUDA when present), cpu, cuda, cuda:1...
    threads: int | None = Field(
        default=None, ge=1
    )  # CPU threads per trial (default: cores / workers)
    heartbeat_seconds: float = Field(default=5.0, gt=0)  # how often a running trial beats
    lost_after_seconds: float = Field(default=60.0, gt=0)  # silence before "lost worker"
    max_retries: int = Field(default=0, ge=0, le=100)  # re-runs of a lost or crashed trial

    @model_validator(mode="after")
    def _grace_spans_several_beats(self) -> ExecutionSpec:
        if self.lost_after_seconds < 2 * self.heartbeat_seconds:
            raise ValueError(
                f"lost_after_seconds ({self.lost_after_seconds:g}) must be at least twice "
                f"heartbeat_seconds ({self.heartbeat_seconds:g}), or live trials get reaped"
            )
        return self

    @model_validator(mode="after")
    def _inline_is_serial(self) -> ExecutionSpec:
        if self.executor == "inline" and self.workers != 1:
            raise ValueError("the inline executor runs one trial at a time; set workers: 1")
        return self


class AutoSpaceConfig(Strict):
    """``architecture: {type: auto}`` (the default when ``architecture`` is left out): the
    space, the first candidates, the strategy and the scheduler are chosen from the data and
    the time limit (see ``netsynth.space.auto_space``)."""

    type: Literal["auto"] = "auto"


ArchitectureConfig = Annotated[
    AutoSpaceConfig
    | ChainSpaceConfig
    | DagSpaceConfig
    | CellSpaceConfig
    | NB201SpaceConfig
    | ZooSpaceConfig
    | UnionSpaceConfig,
    Field(discriminator="type"),
]


def _searched(training: TrainingSpaceConfig) -> bool:
    """Whether any training setting is searched (momentum only counts with SGD)."""
    flat = FlatBuilder()
    flat.add_training(training)
    return bool(flat.distributions)


class DataSpec(Strict):
    """The dataset an architecture search trains on: a built-in name (``mnist1d``,
    ``digits``) or a path (relative to the spec) to an .npz / .csv file, an image folder or a
    folder of IDX files. ``data: file.npz`` is short for ``data: {dataset: file.npz}``."""

    dataset: str = Field(min_length=1)
    options: dict[str, Any] = Field(default_factory=dict)
    val_fraction: float = Field(default=0.2, gt=0, lt=1)
    test_fraction: float = Field(default=0.2, gt=0, lt=1)
    seed: int = 0


class FinalSpec(Strict):
    """After the search: retrain the top_k best from scratch on train+validation (epochs:
    null keeps each candidate's own), test them, export the winner to export_dir.
    test_time_mirror: images trained with left-right flips predict with the average over the
    image and its mirror image (two forward passes); false keeps one."""

    top_k: int = Field(default=3, ge=1)
    epochs: int | None = Field(default=None, ge=1)
    export_dir: str | None = None
    test_time_mirror: bool = True


class TuningSpec(Strict):
    """Stage 2 of ``mode: sequential``: tune the training hyperparameters of stage 1's
    ``top_k`` best architectures, with its own strategy, scheduler, budget and stopping rules.
    ``training``: the settings to search (default: ``architecture.training``)."""

    top_k: int = Field(default=3, ge=1)
    strategy: ComponentSpec = ComponentSpec(name="tpe")  # or algorithm: (Katib's name)
    scheduler: ComponentSpec = ComponentSpec(name="fifo")
    budget: BudgetSpec
    stopping: StoppingSpec = StoppingSpec()
    training: TrainingSpaceConfig | None = None


class ExperimentSpec(Strict):
    """A whole experiment. The keys of netsynth 0.1 (``space``, ``estimator: NAME``,
    ``tapas``, ``zero_cost``, ``oneshot``, ``tabular``, ``inheritance``) are rewritten into
    these before validation, with a deprecation warning (``netsynth.spec.spelling``)."""

    name: Name | None = None
    storage: str | None = None
    seed: int | None = None
    objective: ObjectiveSpec | None = None  # default for architecture search: val_acc, maximize
    trial: TrialSpec | None = None
    parameters: list[Parameter] = Field(default_factory=list)  # the flat hyperparameter space
    architecture: ArchitectureConfig | None = None  # with data and none: {type: auto}
    data: DataSpec | None = None
    # Every search trial's lower fidelity (data_fraction, resolution, width_multiplier,
    # epochs); a scheduler's own resource comes on top. Retraining is at full fidelity.
    fidelity: dict[str, float] = Field(default_factory=dict)
    final: FinalSpec = FinalSpec()
    # How candidates are scored (netsynth.spec.estimator_spec): training (the default),
    # inheritance, oneshot, tapas, zero_cost or tabular.
    estimator: EstimatorSpec = TrainingEstimatorSpec()
    # joint: architecture and training hyperparameters in one space; sequential: stage 1
    # searches architectures with default training, stage 2 (``tuning``) the training of the
    # top-k of stage 1.
    mode: Literal["joint", "sequential"] = "joint"
    tuning: TuningSpec | None = None
    strategy: ComponentSpec = ComponentSpec(name="random")  # or algorithm: (Katib's name)
    scheduler: ComponentSpec = ComponentSpec(name="fifo")
    budget: BudgetSpec | None = None  # an architecture search without one: time 10m
    stopping: StoppingSpec = StoppingSpec()
    execution: ExecutionSpec = ExecutionSpec()

    @model_validator(mode="before")
    @classmethod
    def _current_spelling(cls, data: Any) -> Any:
        return respell(data)

    @field_validator("data", mode="before")
    @classmethod
    def _data_shorthand(cls, value: Any) -> Any:
        return {"dataset": value} if isinstance(value, str) else value

    @field_validator("estimator", mode="before")
    @classmethod
    def _training_by_default(cls, value: Any) -> Any:
        if value is None:
            return {"type": "training"}
        if isinstance(value, dict) and "type" not in value:
            return {"type": "training", **value}
        return value

    @field_validator("fidelity")
    @classmethod
    def _known_fidelity(cls, value: dict[str, float]) -> dict[str, float]:
        from netsynth.schedulers.fidelity import FIDELITIES, FRACTIONS

        for name, amount in value.items():
            if name not in FIDELITIES:
                raise ValueError(f"unknown fidelity {name!r}; known: {', '.join(FIDELITIES)}")
            if name in FRACTIONS and not 0 < amount <= 1:
                raise ValueError(f"{name} is a share in (0, 1], got {amount!r}")
            if name == "epochs" and (amount < 1 or amount != int(amount)):
                raise ValueError(f"epochs must be a whole number >= 1, got {amount!r}")
        return value

    @property
    def is_tabular(self) -> bool:
        """Whether trials are answered from a tabular benchmark."""
        return self.estimator.type == "tabular"

    @property
    def searches_architectures(self) -> bool:
        """An architecture search: an architecture space, or data with neither a trial nor a
        table."""
        return self.architecture is not None or (
            self.data is not None and self.trial is None and not self.is_tabular
        )

    @property
    def is_auto(self) -> bool:
        """Whether the space is still to be chosen from the data (``resolve_auto``)."""
        return self.searches_architectures and (
            self.architecture is None or self.architecture.type == "auto"
        )

    @property
    def resolved_budget(self) -> BudgetSpec:
        """The budget; an architecture search given none runs for 10 minutes."""
        if self.budget is not None:
            return self.budget
        from netsynth.time_limit import DEFAULT_TIME_LIMIT

        return BudgetSpec(time=DEFAULT_TIME_LIMIT)

    @model_validator(mode="after")
    def _one_kind_of_experiment(self) -> ExperimentSpec:
        if self.is_tabular:
            for name in ("architecture", "data", "trial"):
                if getattr(self, name) is not None:
                    raise FieldError(
                        name,
                        "estimator type tabular brings its own space and answers: leave out "
                        f"{name!r}",
                    )
            if self.parameters:
                raise FieldError("parameters", "a tabular benchmark searches the table's cells")
        elif self.searches_architectures:
            if self.data is None:
                raise FieldError("data", "an architecture search needs data: {dataset: ...}")
            if self.trial is not None or self.parameters:
                raise FieldError(
                    "architecture",
                    "an architecture search trains its candidates itself: leave out 'trial' "
                    "and 'parameters' (training hyperparameters go under architecture.training)",
                )
        if self.budget is None and not self.searches_architectures:
            raise FieldError("budget", "required: e.g. {max_trials: 50} or {time: 10m}")
        if self.fidelity and not self.searches_architectures:
            raise FieldError("fidelity", "a search fidelity needs an architecture search (data)")
        if self.mode == "sequential":
            if self.architecture is None or isinstance(self.architecture, AutoSpaceConfig):
                raise FieldError(
                    "mode",
                    "mode: sequential needs an architecture search with an explicit space "
                    "(architecture: {type: chain, training: ...} and data)",
                )
            if self.tuning is None:
                raise FieldError(
                    "tuning",
                    "mode: sequential needs stage 2: tuning: {budget: {max_trials: N}, ...}",
                )
            if not _searched(self.tuning_training()):
                raise FieldError(
                    "tuning.training",
                    "stage 2 would search nothing: every training setting is fixed; give lists "
                    "or ranges (e.g. lr: {low: 0.001, high: 0.1, log: true})",
                )
        elif self.tuning is not None:
            raise FieldError("tuning", "tuning is stage 2 of mode: sequential; set that mode")
        _check_estimator(self)
        if not self.is_tabular and not self.searches_architectures:
            if self.trial is None:
                raise FieldError(
                    "trial", "required: a function or command (or use architecture + data)"
                )
            if self.objective is None:
                raise FieldError("objective", "required field is missing")
            if self.data is not None:
                raise FieldError("data", "data is only used with an 'architecture' space")
        return self

    @property
    def resolved_objective(self) -> ObjectiveSpec:
        if self.objective is None and self.estimator.type == "zero_cost":
            return ObjectiveSpec(metric="zero_cost", direction="maximize")
        if self.objective is None and self.estimator.type == "tapas":
            # A TAP prediction ranks candidates; it is not a measured val_acc.
            return ObjectiveSpec(metric="predicted_acc", direction="maximize")
        if self.objective is None and self.benchmark is not None:
            from netsynth.tabular.published import FAMILIES, split_name

            family = FAMILIES[split_name(self.benchmark)[0]]
            return ObjectiveSpec(metric=family.metric, direction=family.direction)  # type: ignore[arg-type]
        return self.objective or ObjectiveSpec(metric="val_acc", direction="maximize")

    @property
    def lde(self) -> str | None:
        """Where trained trials are recorded for TAPAS (null: the experiment's storage)."""
        return getattr(self.estimator, "lde", None)

    def architecture_config(self, base_dir: Path) -> dict[str, Any] | None:
        """The architecture space searched (the table's for a tabular benchmark), as config."""
        if self.is_tabular:
            benchmark = self.benchmark
            if benchmark is not None:
                from netsynth.tabular.published_estimator import benchmark_architecture

                cells = benchmark_architecture(benchmark)
                return cells.to_dict() if cells is not None else None
            from netsynth.tabular.estimator import tabular_space
            from netsynth.tabular.table import TabularTable

            return tabular_space(TabularTable.load(self.table_path(base_dir))).to_dict()
        if self.architecture is None or isinstance(self.architecture, AutoSpaceConfig):
            if self.searches_architectures:
                raise ValueError("an auto space is chosen from the data: call resolve_auto first")
            return None
        space = self.architecture
        if self.mode == "sequential":
            from netsynth.runner.tuning_stage import stage_one_training

            space = space.model_copy(update={"training": stage_one_training(space.training)})
        return space.model_dump(mode="json")

    def tuning_training(self) -> TrainingSpaceConfig:
        """What stage 2 of a sequential pipeline searches."""
        assert self.tuning is not None and self.architecture is not None
        assert not isinstance(self.architecture, AutoSpaceConfig)  # sequential needs a space
        return self.tuning.training or self.architecture.training

    @property
    def benchmark(self) -> str | None:
        """The published table a tabular estimator answers from (None: a table file)."""
        return getattr(self.estimator, "benchmark", None) if self.is_tabular else None

    def table_path(self, base_dir: Path) -> str | None:
        table = getattr(self.estimator, "table", None)
        if not self.is_tabular or table is None:
            return None
        path = Path(table).expanduser()
        return str(path if path.is_absolute() else (base_dir / path).resolve())

    @model_validator(mode="after")
    def _parameters_fit_together(self) -> ExperimentSpec:
        seen: dict[str, int] = {}
        for index, parameter in enumerate(self.parameters):
            if parameter.name in seen:
                raise FieldError(
                    f"parameters[{index}].name",
                    f"duplicate name {parameter.name!r} (also parameters[{seen[parameter.name]}])",
                )
            seen[parameter.name] = index
        for index, parameter in enumerate(self.parameters):
            condition = parameter.condition
            if condition is not None:
                where = f"parameters[{index}].condition"
                try:
                    SearchSpace(
                        {p.name: p.distribution() for p in self.parameters},
                        {parameter.name: Condition(condition.parent, tuple(condition.values))},
                    )
                except ValueError as exc:
                    raise FieldError(where, str(exc)) from None
        if self.trial is not None and self.trial.command is not None:
            check_placeholders(self.trial.command, set(seen))
        return self

    def search_space(self) -> SearchSpace:
        """The flat space of ``parameters`` (a published table of hyperparameters: its own)."""
        if self.benchmark is not None:
            from netsynth.tabular.published_estimator import benchmark_parameters

            return benchmark_parameters(self.benchmark)
        distributions = {p.name: p.distribution() for p in self.parameters}
        conditions = {
            p.name: Condition(p.condition.parent, tuple(p.condition.values))
            for p in self.parameters
            if p.condition is not None
        }
        return SearchSpace(distributions, conditions)


def _check_estimator(spec: ExperimentSpec) -> None:
    """The estimator's type fits the rest of the spec."""
    estimator, architecture = spec.estimator, spec.architecture
    kind = architecture.type if architecture is not None else None
    if estimator.type == "oneshot":
        if kind not in ("nb201", "cell"):
            raise FieldError(
                "estimator",
                "a one-shot search needs architecture: {type: nb201, ...} or {type: cell, ...} "
                "and data",
            )
        if estimator.method == "enas" and kind != "nb201":
            raise FieldError(
                "estimator.method",
                "enas searches architecture type nb201 (one op per edge); use method: darts "
                "for cells",
            )
    if estimator.type == "inheritance" and not spec.searches_architectures:
        raise FieldError(
            "estimator",
            "weight inheritance needs an architecture search (architecture + data)",
        )
    if isinstance(estimator, TapasEstimatorSpec):
        _check_tapas(spec)
    if isinstance(estimator, ZeroCostEstimatorSpec):
        _check_zero_cost(spec)


def _check_tapas(spec: ExperimentSpec) -> None:
    if spec.architecture is None or spec.architecture.type != "chain":
        raise FieldError(
            "estimator",
            "tapas predicts chain networks only: use architecture: {type: chain} with data "
            "(cells and DAGs have no layer order for its encoding), or estimator: "
            "{type: training}",
        )
    if spec.objective is not None and spec.objective.metric != "predicted_acc":
        raise FieldError(
            "objective.metric",
            f"estimator type tapas reports the metric 'predicted_acc' (a score for ranking, "
            f"not a measured accuracy), not {spec.objective.metric!r}; leave out objective "
            "or set metric: predicted_acc",
        )


def _check_zero_cost(spec: ExperimentSpec) -> None:
    if not spec.searches_architectures:
        raise FieldError(
            "estimator",
            "zero_cost scores the candidates of an architecture search: give architecture and "
            "data (not a tabular benchmark or a trial function)",
        )
    if spec.objective is not None and spec.objective.metric != "zero_cost":
        raise FieldError(
            "objective.metric",
            f"estimator type zero_cost reports the metric 'zero_cost', not "
            f"{spec.objective.metric!r}; leave out objective or set metric: zero_cost",
        )
