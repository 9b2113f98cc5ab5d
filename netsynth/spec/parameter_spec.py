"""``parameters:``: the flat hyperparameter space of a spec, one entry per parameter.

```yaml
parameters:
  - {name: x, type: float, low: -10, high: 10}
  - {name: n, type: int, low: 1, high: 64, log: true}
  - {name: opt, type: categorical, choices: [sgd, adam]}
  - {name: momentum, type: float, low: 0.0, high: 0.99, condition: {parent: opt, values: [sgd]}}
```
"""

from __future__ import annotations

from string import Template
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, StrictBool, model_validator

from netsynth.space.distributions import (
    CategoricalDistribution,
    ChoiceValue,
    Distribution,
    FloatDistribution,
    IntDistribution,
)
from netsynth.spec.field_error import FieldError
from netsynth.strict_model import Strict

Name = Annotated[str, Field(min_length=1, pattern=r"^[A-Za-z_][A-Za-z0-9_.\-]*$")]


def _not_bool(value: Any) -> Any:
    # YAML reads yes/no/true as booleans; a bound of `true` is a typo, not the number 1.
    if isinstance(value, bool):
        raise ValueError(f"expected a number, got {value!r}")
    return value


Number = Annotated[float, BeforeValidator(_not_bool)]
Integer = Annotated[int, Field(strict=True), BeforeValidator(_not_bool)]


def check_placeholders(command: list[str], names: set[str]) -> None:
    """Every ``${name}`` of a trial command names a parameter."""
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
