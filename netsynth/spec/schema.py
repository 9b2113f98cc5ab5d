"""The declarative experiment spec (Katib-like), validated with pydantic.

```yaml
name: hpo-quadratic
objective: {metric: loss, direction: minimize}
trial: {function: quadratic.py:objective}   # or {command: [python, train.py, --lr, "${lr}"]}
parameters:
  - {name: x, type: float, low: -10, high: 10}
  - {name: n, type: int, low: 1, high: 64, log: true}
  - {name: opt, type: categorical, choices: [sgd, adam]}
  - {name: momentum, type: float, low: 0.0, high: 0.99, condition: {parent: opt, values: [sgd]}}
algorithm: {name: random}
budget: {max_trials: 50, max_failed_trials: 5, max_wall_seconds: 600}
stopping: {target: 0.001, patience: 20}
execution: {workers: 2}
```
"""

from __future__ import annotations

from pathlib import Path
from string import Template
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    field_validator,
    model_validator,
)

from netsynth.space.cell_space import CellSpaceConfig
from netsynth.space.chain_space import ChainSpaceConfig
from netsynth.space.dag_space import DagSpaceConfig
from netsynth.space.distributions import (
    CategoricalDistribution,
    ChoiceValue,
    Distribution,
    FloatDistribution,
    IntDistribution,
)
from netsynth.space.nb201_space import NB201SpaceConfig
from netsynth.space.search_space import Condition, SearchSpace
from netsynth.space.training_space import FlatBuilder, TrainingSpaceConfig
from netsynth.space.union_space import UnionSpaceConfig
from netsynth.space.zoo_space import ZooSpaceConfig
from netsynth.strict_model import Strict

Name = Annotated[str, Field(min_length=1, pattern=r"^[A-Za-z_][A-Za-z0-9_.\-]*$")]


def _not_bool(value: Any) -> Any:
    # YAML reads yes/no/true as booleans; a bound of `true` is a typo, not the number 1.
    if isinstance(value, bool):
        raise ValueError(f"expected a number, got {value!r}")
    return value


Number = Annotated[float, BeforeValidator(_not_bool)]
Integer = Annotated[int, Field(strict=True), BeforeValidator(_not_bool)]


class FieldError(ValueError):
    """A problem found across fields, with the path of the field it belongs to."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(message)
        self.path = path


def _check_placeholders(command: list[str], names: set[str]) -> None:
    for index, arg in enumerate(command):
        for match in Template.pattern.finditer(arg):
            if match.group("invalid") is not None:
                raise FieldError(
                    f"trial.command[{index}]",
                    f"{arg!r} has a '$' that is not a placeholder; use ${{name}} with a "
                    "parameter whose name is a Python identifier, or $$ for a literal $",
                )
            used = match.group("named") or match.group("braced")
            if used and used not in names:
                raise FieldError(
                    f"trial.command[{index}]",
                    f"${{{used}}} is not a parameter; parameters: "
                    f"{', '.join(sorted(names)) or '(none)'}",
                )


class ConditionSpec(Strict):
    parent: Name
    values: list[ChoiceValue] = Field(min_length=1)


class FloatParameter(Strict):
    name: Name
    type: Literal["float"]
    low: Number
    high: Number
    log: StrictBool = False
    step: Number | None = Field(default=None, gt=0)
    condition: ConditionSpec | None = None

    @model_validator(mode="after")
    def _range(self) -> FloatParameter:
        self.distribution()
        return self

    def distribution(self) -> Distribution:
        return FloatDistribution(self.low, self.high, self.log, self.step)


class IntParameter(Strict):
    name: Name
    type: Literal["int"]
    low: Integer
    high: Integer
    log: StrictBool = False
    step: Integer = Field(default=1, ge=1)
    condition: ConditionSpec | None = None

    @model_validator(mode="after")
    def _range(self) -> IntParameter:
        self.distribution()
        return self

    def distribution(self) -> Distribution:
        return IntDistribution(self.low, self.high, self.log, self.step)


class CategoricalParameter(Strict):
    name: Name
    type: Literal["categorical"]
    choices: list[ChoiceValue] = Field(min_length=1)
    condition: ConditionSpec | None = None

    @model_validator(mode="after")
    def _choices(self) -> CategoricalParameter:
        self.distribution()
        return self

    def distribution(self) -> Distribution:
        return CategoricalDistribution(tuple(self.choices))


Parameter = Annotated[
    FloatParameter | IntParameter | CategoricalParameter, Field(discriminator="type")
]


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
    """``space: {type: auto}`` (the default when ``space`` is left out): the space, the first
    candidates, the strategy and the scheduler are chosen from the data and the time limit
    (see ``netsynth.space.auto_space``)."""

    type: Literal["auto"] = "auto"


SpaceConfig = Annotated[
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
    null keeps each candidate's own), test them, export the winner to export_dir."""

    top_k: int = Field(default=3, ge=1)
    epochs: int | None = Field(default=None, ge=1)
    export_dir: str | None = None


class InheritanceSpec(Strict):
    """Weight inheritance: a child mutated from a trained parent starts from the parent's
    weights (network morphisms where they preserve its function) and trains ``epochs``
    epochs instead of its own. Each trial's weights are kept under export_dir/trials."""

    epochs: int = Field(ge=1)


class TabularSpec(Strict):
    """Answer trials from a tabular benchmark instead of training: the search space is the
    table's (its NB201 cells), and budgets in compute seconds count simulated seconds.
    ``table``: a table file (relative to the spec); null is the one shipped with netsynth."""

    table: str | None = None


class OneShotSpec(Strict):
    """A one-shot search inside one trial: DARTS of the nb201 or the cell space, ENAS of the
    nb201 space. The trial trains a weight-sharing supernet and ends with a derived genotype
    (see netsynth.oneshot; the other fields are ``OneShotConfig``'s)."""

    method: Literal["darts", "enas"] = "darts"
    order: Literal[1, 2] = 1
    remedy: Literal["none", "early_stop", "perturbation"] = "none"
    epochs: int = Field(default=10, ge=1)
    batch_size: int = Field(default=64, ge=1)
    options: dict[str, Any] = Field(default_factory=dict)  # any other OneShotConfig field

    @field_validator("options")
    @classmethod
    def _known_options(cls, options: dict[str, Any]) -> dict[str, Any]:
        from dataclasses import fields

        from netsynth.oneshot.config import OneShotConfig

        known = {f.name for f in fields(OneShotConfig)} - set(cls.model_fields)
        unknown = sorted(set(options) - known)
        if unknown:
            raise ValueError(
                f"unknown option(s) {', '.join(unknown)}; allowed: {', '.join(sorted(known))}"
            )
        return options


class TapasSpec(Strict):
    """TAPAS settings. ``lde``: the shared LDE (a storage URL; null: the experiment's own
    storage): every experiment's trained trials join it as RETRAINING starts, and
    ``estimator: tapas`` learns from it (plus the seed records shipped with netsynth). For
    ``estimator: tapas`` also the DCN window ``tau`` and the fewest records to train on
    (nearest datasets are added to reach it)."""

    lde: str | None = None
    tau: float = Field(default=0.05, gt=0, le=1)
    min_records: int = Field(default=100, ge=1)
    fit_epochs: int = Field(default=40, ge=1)  # passes of the TAP's fit over its records
    # data-free zero-cost proxies as extra TAP inputs (see netsynth.tapas.proxy_features)
    proxies: list[Literal["synflow", "params"]] = Field(default_factory=list)


class ZeroCostSpec(Strict):
    """``estimator: zero_cost`` settings: the proxy that scores each untrained candidate from
    one minibatch of ``batch_size`` training samples (higher is better; the trial's metric
    ``zero_cost``)."""

    proxy: Literal["synflow", "naswot", "snip", "grad_norm", "params"] = "synflow"
    batch_size: int = Field(default=64, ge=2)


class TuningSpec(Strict):
    """Stage 2 of ``mode: sequential``: tune the training hyperparameters of stage 1's
    ``top_k`` best architectures, with its own strategy, scheduler, budget and stopping rules.
    ``training``: the settings to search (default: the space's ``training``)."""

    top_k: int = Field(default=3, ge=1)
    algorithm: ComponentSpec = ComponentSpec(name="tpe")
    scheduler: ComponentSpec = ComponentSpec(name="fifo")
    budget: BudgetSpec
    stopping: StoppingSpec = StoppingSpec()
    training: TrainingSpaceConfig | None = None


class ExperimentSpec(Strict):
    name: Name | None = None
    storage: str | None = None
    seed: int | None = None
    objective: ObjectiveSpec | None = None  # default for architecture search: val_acc, maximize
    trial: TrialSpec | None = None
    parameters: list[Parameter] = Field(default_factory=list)
    space: SpaceConfig | None = None  # with data and no space: {type: auto}
    data: DataSpec | None = None
    # Every search trial's lower fidelity (data_fraction, resolution, width_multiplier,
    # epochs); a scheduler's own resource comes on top. Retraining is at full fidelity.
    fidelity: dict[str, float] = Field(default_factory=dict)
    tabular: TabularSpec | None = None
    final: FinalSpec = FinalSpec()
    inheritance: InheritanceSpec | None = None
    oneshot: OneShotSpec | None = None
    # train: every candidate is trained; tapas: predicted without training (netsynth.tapas);
    # zero_cost: scored by a zero-cost proxy of the untrained network (netsynth.tapas.zero_cost)
    estimator: Literal["train", "tapas", "zero_cost"] = "train"
    tapas: TapasSpec = TapasSpec()
    zero_cost: ZeroCostSpec | None = None
    # joint: architecture and training hyperparameters in one space; sequential: stage 1
    # searches architectures with default training, stage 2 (``tuning``) the training of the
    # top-k of stage 1.
    mode: Literal["joint", "sequential"] = "joint"
    tuning: TuningSpec | None = None
    algorithm: ComponentSpec = ComponentSpec(name="random")
    scheduler: ComponentSpec = ComponentSpec(name="fifo")
    budget: BudgetSpec | None = None  # an architecture search without one: time 10m
    stopping: StoppingSpec = StoppingSpec()
    execution: ExecutionSpec = ExecutionSpec()

    @field_validator("data", mode="before")
    @classmethod
    def _data_shorthand(cls, value: Any) -> Any:
        return {"dataset": value} if isinstance(value, str) else value

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
    def searches_architectures(self) -> bool:
        """An architecture search: a space, or data with neither a trial nor a table."""
        return self.space is not None or (
            self.data is not None and self.trial is None and self.tabular is None
        )

    @property
    def is_auto(self) -> bool:
        """Whether the space is still to be chosen from the data (``resolve_auto``)."""
        return self.searches_architectures and (self.space is None or self.space.type == "auto")

    @property
    def resolved_budget(self) -> BudgetSpec:
        """The budget; an architecture search given none runs for 10 minutes."""
        if self.budget is not None:
            return self.budget
        from netsynth.time_limit import DEFAULT_TIME_LIMIT

        return BudgetSpec(time=DEFAULT_TIME_LIMIT)

    @model_validator(mode="after")
    def _one_kind_of_experiment(self) -> ExperimentSpec:
        if self.tabular is not None:
            for name in ("space", "data", "trial"):
                if getattr(self, name) is not None:
                    raise FieldError(
                        name,
                        f"a tabular benchmark brings its own space and answers: leave out {name!r}",
                    )
            if self.parameters:
                raise FieldError("parameters", "a tabular benchmark searches the table's cells")
        elif self.searches_architectures:
            if self.data is None:
                raise FieldError("data", "an architecture search needs data: {dataset: ...}")
            if self.trial is not None or self.parameters:
                raise FieldError(
                    "space",
                    "an architecture search trains its candidates itself: leave out 'trial' "
                    "and 'parameters' (training hyperparameters go under space.training)",
                )
        if self.budget is None and not self.searches_architectures:
            raise FieldError("budget", "required: e.g. {max_trials: 50} or {time: 10m}")
        if self.fidelity and not self.searches_architectures:
            raise FieldError("fidelity", "a search fidelity needs an architecture search (data)")
        if self.mode == "sequential":
            if self.space is None or isinstance(self.space, AutoSpaceConfig):
                raise FieldError(
                    "mode",
                    "mode: sequential needs an architecture search with an explicit space "
                    "(space: {type: chain, training: ...} and data)",
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
        if self.oneshot is not None and (
            self.space is None or self.space.type not in ("nb201", "cell")
        ):
            raise FieldError(
                "oneshot",
                "a one-shot search needs space: {type: nb201, ...} or {type: cell, ...} and data",
            )
        if (
            self.oneshot is not None
            and self.oneshot.method == "enas"
            and self.space is not None
            and self.space.type != "nb201"
        ):
            raise FieldError(
                "oneshot.method",
                "enas searches space type nb201 (one op per edge); use method: darts for cells",
            )
        if self.inheritance is not None and not self.searches_architectures:
            raise FieldError(
                "inheritance", "weight inheritance needs an architecture search (space + data)"
            )
        if self.estimator == "tapas" and (self.space is None or self.space.type != "chain"):
            raise FieldError(
                "estimator",
                "tapas predicts chain networks only: use space: {type: chain} with data "
                "(cells and DAGs have no layer order for its encoding), or estimator: train",
            )
        if (
            self.estimator == "tapas"
            and self.objective is not None
            and self.objective.metric != "predicted_acc"
        ):
            raise FieldError(
                "objective.metric",
                f"estimator: tapas reports the metric 'predicted_acc' (a score for ranking, "
                f"not a measured accuracy), not {self.objective.metric!r}; leave out objective "
                "or set metric: predicted_acc",
            )
        if self.estimator == "zero_cost":
            _check_zero_cost(self)
        elif self.zero_cost is not None:
            raise FieldError("zero_cost", "zero_cost settings need estimator: zero_cost")
        if self.tabular is None and not self.searches_architectures:
            if self.trial is None:
                raise FieldError("trial", "required: a function or command (or use space + data)")
            if self.objective is None:
                raise FieldError("objective", "required field is missing")
            if self.data is not None:
                raise FieldError("data", "data is only used with an architecture 'space'")
        return self

    @property
    def resolved_objective(self) -> ObjectiveSpec:
        if self.objective is None and self.estimator == "zero_cost":
            return ObjectiveSpec(metric="zero_cost", direction="maximize")
        if self.objective is None and self.estimator == "tapas":
            # A TAP prediction ranks candidates; it is not a measured val_acc.
            return ObjectiveSpec(metric="predicted_acc", direction="maximize")
        return self.objective or ObjectiveSpec(metric="val_acc", direction="maximize")

    @property
    def zero_cost_settings(self) -> ZeroCostSpec:
        return self.zero_cost or ZeroCostSpec()

    def architecture(self, base_dir: Path) -> dict[str, Any] | None:
        """The architecture space searched (the table's for a tabular benchmark), as config."""
        if self.tabular is not None:
            from netsynth.tabular.estimator import tabular_space
            from netsynth.tabular.table import TabularTable

            return tabular_space(TabularTable.load(self.table_path(base_dir))).to_dict()
        if self.space is None or isinstance(self.space, AutoSpaceConfig):
            if self.searches_architectures:
                raise ValueError("an auto space is chosen from the data: call resolve_auto first")
            return None
        space = self.space
        if self.mode == "sequential":
            from netsynth.runner.tuning_stage import stage_one_training

            space = space.model_copy(update={"training": stage_one_training(space.training)})
        return space.model_dump(mode="json")

    def tuning_training(self) -> TrainingSpaceConfig:
        """What stage 2 of a sequential pipeline searches."""
        assert self.tuning is not None and self.space is not None
        assert not isinstance(self.space, AutoSpaceConfig)  # sequential needs a given space
        return self.tuning.training or self.space.training

    def table_path(self, base_dir: Path) -> str | None:
        if self.tabular is None or self.tabular.table is None:
            return None
        path = Path(self.tabular.table).expanduser()
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
            _check_placeholders(self.trial.command, set(seen))
        return self

    def search_space(self) -> SearchSpace:
        distributions = {p.name: p.distribution() for p in self.parameters}
        conditions = {
            p.name: Condition(p.condition.parent, tuple(p.condition.values))
            for p in self.parameters
            if p.condition is not None
        }
        return SearchSpace(distributions, conditions)


def _check_zero_cost(spec: ExperimentSpec) -> None:
    if not spec.searches_architectures or spec.oneshot is not None:
        raise FieldError(
            "estimator",
            "zero_cost scores the candidates of an architecture search: give space and data "
            "(not a tabular benchmark, a one-shot search or a trial function)",
        )
    if spec.objective is not None and spec.objective.metric != "zero_cost":
        raise FieldError(
            "objective.metric",
            f"estimator: zero_cost reports the metric 'zero_cost', not "
            f"{spec.objective.metric!r}; leave out objective or set metric: zero_cost",
        )
