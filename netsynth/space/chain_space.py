"""The chain-structured (layer-based) space, joint with training hyperparameters.

Two views (STYLE.md §5): ``flat()`` is a labelled ``SearchSpace`` of categorical and numeric
choices for generic strategies — ``layers``, ``l0.op``, ``l0.width``, ... , ``lr``,
``batch_size`` — with conditions (layer ``i`` exists only when ``layers > i``; a kernel only
for convolutions); ``decode(params)`` gives the structured ``ChainGenotype`` and the
``TrainingConfig``.

>>> import numpy as np
>>> space = ChainSpace(ChainSpaceConfig(max_layers=4))
>>> params = space.flat().sample(np.random.default_rng(0))
>>> genotype, training = space.decode(params)
>>> len(genotype.layers) == params["layers"]
True
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, model_validator

from netsynth.estimation.training_config import OPTIMIZERS, SCHEDULES, TrainingConfig
from netsynth.space.chain_genotype import (
    ACTIVATIONS,
    GLOBAL_POOLS,
    NORMS,
    OPS,
    POOL_OPS,
    ChainGenotype,
    Layer,
)
from netsynth.space.distributions import (
    CategoricalDistribution,
    ChoiceValue,
    Distribution,
    FloatDistribution,
    IntDistribution,
    ParamValue,
)
from netsynth.space.search_space import Condition, SearchSpace
from netsynth.strict_model import Strict


class Range(Strict):
    """A numeric range to search: ``{low: 1e-4, high: 1e-1, log: true}``."""

    low: float
    high: float
    log: bool = False

    @model_validator(mode="after")
    def _ordered(self) -> Range:
        FloatDistribution(self.low, self.high, self.log)  # raises with the reason
        return self


# A training hyperparameter is fixed (one value), a list of choices, or a range.
Choice = float | int | str | list[float | int | str] | Range


class TrainingSpaceConfig(Strict):
    optimizer: str | list[str] = ["adamw", "sgd"]
    lr: float | list[float] | Range = Range(low=1e-3, high=3e-2, log=True)
    batch_size: int | list[int] = [64, 128, 256]
    momentum: float | list[float] | Range = Range(low=0.8, high=0.99)
    weight_decay: float | list[float] | Range = Range(low=1e-5, high=1e-2, log=True)
    epochs: int | list[int] = 10
    augment: float | list[float] | Range = Range(low=0.0, high=1.0)
    label_smoothing: float | list[float] = 0.0
    schedule: str | list[str] = "onecycle"

    @model_validator(mode="after")
    def _known_values(self) -> TrainingSpaceConfig:
        for name, allowed in (("optimizer", OPTIMIZERS), ("schedule", SCHEDULES)):
            for value in _values(getattr(self, name)):
                if value not in allowed:
                    raise ValueError(f"{name}: unknown {value!r}; allowed: {', '.join(allowed)}")
        # Every value a trial could draw must be one training accepts.
        for name, (ok, rule) in _BOUNDS.items():
            for value in _values(getattr(self, name)):
                if not isinstance(value, (int, float)) or isinstance(value, bool) or not ok(value):
                    raise ValueError(f"{name}: {value!r} is not allowed; {name} must be {rule}")
        return self


def _values(setting: Any) -> list[Any]:
    """The values a setting can take at its extremes: a range's ends, a list's items."""
    if isinstance(setting, Range):
        return [setting.low, setting.high]
    return list(setting) if isinstance(setting, list) else [setting]


_BOUNDS: dict[str, tuple[Any, str]] = {
    "lr": (lambda v: v > 0, "> 0"),
    "batch_size": (lambda v: v >= 1 and float(v).is_integer(), "an integer >= 1"),
    "momentum": (lambda v: 0 <= v < 1, "in [0, 1)"),
    "weight_decay": (lambda v: v >= 0, ">= 0"),
    "epochs": (lambda v: v >= 1 and float(v).is_integer(), "an integer >= 1"),
    "augment": (lambda v: 0 <= v <= 1, "in [0, 1]"),
    "label_smoothing": (lambda v: 0 <= v < 1, "in [0, 1)"),
}


class ChainSpaceConfig(Strict):
    """``space: {type: chain, ...}`` in a spec."""

    type: Literal["chain"] = "chain"
    min_layers: int = Field(default=1, ge=0, le=32)
    max_layers: int = Field(default=6, ge=1, le=32)
    ops: list[Literal["conv", "sepconv", "maxpool", "avgpool", "dense"]] = Field(
        default=["conv", "sepconv", "maxpool", "dense"], min_length=1
    )
    kernels: list[int] = Field(default=[3, 5, 7], min_length=1)
    pool_window: int = Field(default=2, ge=2)
    widths: list[int] = Field(default=[16, 32, 64, 128], min_length=1)
    activations: list[Literal["relu", "gelu", "silu", "elu", "tanh"]] = Field(
        default=["relu", "gelu"], min_length=1
    )
    norms: list[Literal["none", "batch", "layer"]] = Field(default=["batch", "none"], min_length=1)
    dropouts: list[float] = Field(default=[0.0, 0.1, 0.25], min_length=1)
    global_pools: list[Literal["avg", "max"]] = Field(default=["avg"], min_length=1)
    training: TrainingSpaceConfig = TrainingSpaceConfig()

    @model_validator(mode="after")
    def _consistent(self) -> ChainSpaceConfig:
        if self.min_layers > self.max_layers:
            raise ValueError(f"min_layers ({self.min_layers}) > max_layers ({self.max_layers})")
        if any(k < 1 for k in self.kernels) or any(w < 1 for w in self.widths):
            raise ValueError("kernels and widths must be >= 1")
        if any(not 0.0 <= d < 1.0 for d in self.dropouts):
            raise ValueError("dropouts must be in [0, 1)")
        return self


def _distribution(values: Any) -> Distribution | None:
    """None for a fixed value; categorical for a list of several; a range for ``Range``."""
    if isinstance(values, Range):
        if values.low == values.high:
            return None
        return FloatDistribution(values.low, values.high, values.log)
    if isinstance(values, list):
        unique = list(dict.fromkeys(values))
        return CategoricalDistribution(tuple(unique)) if len(unique) > 1 else None
    return None


def _fixed(values: Any) -> Any:
    if isinstance(values, Range):
        return values.low
    if isinstance(values, list):
        return values[0]
    return values


_WEIGHTED = ("conv", "sepconv", "dense")  # ops with width, activation, norm, dropout
_KERNELED = ("conv", "sepconv")


class ChainSpace:
    """A chain of ``min_layers``..``max_layers`` layers plus training hyperparameters."""

    kind = "chain"

    def __init__(self, config: ChainSpaceConfig | None = None) -> None:
        self.config = config or ChainSpaceConfig()
        self._flat, self._fixed = self._build_flat()

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ChainSpace:
        return cls(ChainSpaceConfig.model_validate(data))

    def to_dict(self) -> dict[str, Any]:
        return self.config.model_dump(mode="json")

    def flat(self) -> SearchSpace:
        return self._flat

    def _build_flat(self) -> tuple[SearchSpace, dict[str, ParamValue]]:
        c = self.config
        distributions: dict[str, Distribution] = {}
        conditions: dict[str, Condition] = {}
        fixed: dict[str, ParamValue] = {}

        def add(name: str, values: Any, condition: Condition | None = None) -> None:
            distribution = _distribution(values)
            if distribution is None:
                fixed[name] = _fixed(values)
                return
            distributions[name] = distribution
            if condition is not None:
                conditions[name] = condition

        if c.min_layers == c.max_layers:
            fixed["layers"] = c.max_layers
        else:
            distributions["layers"] = IntDistribution(c.min_layers, c.max_layers)
        ops = list(c.ops)
        for i in range(c.max_layers):
            exists: Condition | None = None
            if "layers" in distributions and i >= c.min_layers:
                exists = Condition("layers", tuple(range(i + 1, c.max_layers + 1)))
            add(f"l{i}.op", ops, exists)
            parent = f"l{i}.op" if f"l{i}.op" in distributions else None
            weighted = tuple(op for op in ops if op in _WEIGHTED)
            kerneled = tuple(op for op in ops if op in _KERNELED)

            def under(
                allowed: tuple[ChoiceValue, ...],
                parent: str | None = parent,
                exists: Condition | None = exists,
            ) -> Condition | None:
                if parent is not None:
                    return Condition(parent, allowed)
                return exists

            if weighted:
                add(f"l{i}.width", list(c.widths), under(weighted))
                add(f"l{i}.activation", list(c.activations), under(weighted))
                add(f"l{i}.norm", list(c.norms), under(weighted))
                add(f"l{i}.dropout", list(c.dropouts), under(weighted))
            if kerneled:
                add(f"l{i}.kernel", list(c.kernels), under(kerneled))
        add("global_pool", list(c.global_pools))
        t = c.training
        add("optimizer", t.optimizer)
        add("lr", t.lr)
        add("batch_size", t.batch_size)
        sgd = Condition("optimizer", ("sgd",)) if "optimizer" in distributions else None
        if "optimizer" in distributions or _fixed(t.optimizer) == "sgd":
            add("momentum", t.momentum, sgd)
        add("weight_decay", t.weight_decay)
        add("epochs", t.epochs)
        add("augment", t.augment)
        add("label_smoothing", t.label_smoothing)
        add("schedule", t.schedule)
        return SearchSpace(distributions, conditions), fixed

    def decode(self, params: dict[str, ParamValue]) -> tuple[ChainGenotype, TrainingConfig]:
        """The genotype and training configuration that flat ``params`` describe."""
        values = {**self._fixed, **params}
        layers = []
        for i in range(int(values["layers"])):  # type: ignore[arg-type]
            op = str(values[f"l{i}.op"])
            if op in POOL_OPS:
                layers.append(Layer(op, kernel=self.config.pool_window))
                continue
            layers.append(
                Layer(
                    op,
                    width=int(values[f"l{i}.width"]),  # type: ignore[arg-type]
                    kernel=int(values.get(f"l{i}.kernel", 0) or 0),  # type: ignore[arg-type]
                    activation=str(values[f"l{i}.activation"]),
                    norm=str(values[f"l{i}.norm"]),
                    dropout=float(values[f"l{i}.dropout"]),  # type: ignore[arg-type]
                )
            )
        genotype = ChainGenotype(tuple(layers), str(values["global_pool"]))
        training = TrainingConfig(
            optimizer=str(values["optimizer"]),
            lr=float(values["lr"]),  # type: ignore[arg-type]
            batch_size=int(values["batch_size"]),  # type: ignore[arg-type]
            momentum=float(values.get("momentum", 0.9)),  # type: ignore[arg-type]
            weight_decay=float(values["weight_decay"]),  # type: ignore[arg-type]
            epochs=int(values["epochs"]),  # type: ignore[arg-type]
            augment=float(values["augment"]),  # type: ignore[arg-type]
            label_smoothing=float(values["label_smoothing"]),  # type: ignore[arg-type]
            schedule=str(values["schedule"]),
        )
        return genotype, training


__all__ = [
    "ACTIVATIONS",
    "GLOBAL_POOLS",
    "NORMS",
    "OPS",
    "ChainSpace",
    "ChainSpaceConfig",
    "Range",
    "TrainingSpaceConfig",
]
