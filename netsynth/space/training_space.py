"""Training hyperparameters searched jointly with the architecture, for every space.

Each setting is fixed (one value), a list of choices, or a ``Range``; fixed settings stay out
of the flat search space and are filled in when a trial's params are decoded.
"""

from __future__ import annotations

from typing import Any

from pydantic import model_validator

from netsynth.space.distributions import (
    CategoricalDistribution,
    Distribution,
    FloatDistribution,
    IntDistribution,
    ParamValue,
)
from netsynth.space.search_space import Condition
from netsynth.strict_model import Strict
from netsynth.training_config import OPTIMIZERS, SCHEDULES, TrainingConfig


class Range(Strict):
    """A numeric range to search: ``{low: 1e-4, high: 1e-1, log: true}``."""

    low: float
    high: float
    log: bool = False

    @model_validator(mode="after")
    def _ordered(self) -> Range:
        FloatDistribution(self.low, self.high, self.log)  # raises with the reason
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
    flip: bool | list[bool] = False  # images only: random left-right mirroring

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


def choice_distribution(values: Any) -> Distribution | None:
    """None for a fixed value; categorical for a list of several; a range for ``Range``."""
    if isinstance(values, Range):
        if values.low == values.high:
            return None
        return FloatDistribution(values.low, values.high, values.log)
    if isinstance(values, list):
        unique = list(dict.fromkeys(values))
        return CategoricalDistribution(tuple(unique)) if len(unique) > 1 else None
    return None


def fixed_value(values: Any) -> Any:
    if isinstance(values, Range):
        return values.low
    if isinstance(values, list):
        return values[0]
    return values


class FlatBuilder:
    """Collects a space's flat parameters: searched ones as distributions (with conditions),
    fixed ones as constants."""

    def __init__(self) -> None:
        self.distributions: dict[str, Distribution] = {}
        self.conditions: dict[str, Condition] = {}
        self.fixed: dict[str, ParamValue] = {}

    def add(self, name: str, values: Any, condition: Condition | None = None) -> None:
        distribution = choice_distribution(values)
        if distribution is None:
            self.fixed[name] = fixed_value(values)
            return
        self.distributions[name] = distribution
        if condition is not None:
            self.conditions[name] = condition

    def add_count(self, name: str, low: int, high: int) -> None:
        """A whole number in ``low..high`` (layers, nodes): fixed when the two are equal."""
        if low == high:
            self.fixed[name] = high
        else:
            self.distributions[name] = IntDistribution(low, high)

    def add_training(self, training: TrainingSpaceConfig) -> None:
        self.add("optimizer", training.optimizer)
        self.add("lr", training.lr)
        self.add("batch_size", training.batch_size)
        searched_optimizer = "optimizer" in self.distributions
        if searched_optimizer or fixed_value(training.optimizer) == "sgd":
            sgd = Condition("optimizer", ("sgd",)) if searched_optimizer else None
            self.add("momentum", training.momentum, sgd)
        self.add("weight_decay", training.weight_decay)
        self.add("epochs", training.epochs)
        self.add("augment", training.augment)
        self.add("label_smoothing", training.label_smoothing)
        self.add("schedule", training.schedule)
        self.add("flip", training.flip)


TRAINING_PARAMS = (
    "optimizer",
    "lr",
    "batch_size",
    "momentum",
    "weight_decay",
    "epochs",
    "augment",
    "label_smoothing",
    "schedule",
    "flip",
)


def decode_training(values: dict[str, ParamValue]) -> TrainingConfig:
    """The training configuration in a trial's (fixed + searched) values."""
    return TrainingConfig(
        optimizer=str(values["optimizer"]),
        lr=float(values["lr"]),  # type: ignore[arg-type]
        batch_size=int(values["batch_size"]),  # type: ignore[arg-type]
        momentum=float(values.get("momentum", 0.9)),  # type: ignore[arg-type]
        weight_decay=float(values["weight_decay"]),  # type: ignore[arg-type]
        epochs=int(values["epochs"]),  # type: ignore[arg-type]
        augment=float(values["augment"]),  # type: ignore[arg-type]
        label_smoothing=float(values["label_smoothing"]),  # type: ignore[arg-type]
        schedule=str(values["schedule"]),
        flip=bool(values.get("flip", False)),  # absent from spaces stored before it existed
    )


def training_params(training: TrainingConfig, flat_names: set[str]) -> dict[str, ParamValue]:
    """The searched training params (those in ``flat_names``) describing ``training``."""
    values = training.to_dict()
    return {name: values[name] for name in TRAINING_PARAMS if name in flat_names}
