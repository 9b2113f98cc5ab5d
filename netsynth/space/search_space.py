"""A flat, labelled search space: named distributions, some active only under a parent value.

This is the view generic strategies (random, grid, TPE, ...) work on. Architecture spaces offer
it too, next to their structured genotype.

>>> import numpy as np
>>> space = SearchSpace.from_dict({
...     "optimizer": {"type": "categorical", "choices": ["sgd", "adam"]},
...     "momentum": {"type": "float", "low": 0.0, "high": 0.99,
...                  "condition": {"parent": "optimizer", "values": ["sgd"]}},
... })
>>> params = space.sample(np.random.default_rng(0))
>>> ("momentum" in params) == (params["optimizer"] == "sgd")
True
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from netsynth.space.distributions import (
    ChoiceValue,
    Distribution,
    ParamValue,
    distribution_from_dict,
)


@dataclass(frozen=True)
class Condition:
    """The parameter is active only when ``parent`` took one of ``values``."""

    parent: str
    values: tuple[ChoiceValue, ...]

    def holds(self, params: Mapping[str, ParamValue]) -> bool:
        if self.parent not in params:
            return False
        value = params[self.parent]
        return any(type(value) is type(v) and value == v for v in self.values)

    def to_dict(self) -> dict[str, Any]:
        return {"parent": self.parent, "values": list(self.values)}


class SearchSpace(Mapping[str, Distribution]):
    """An ordered mapping ``name -> Distribution`` with optional conditions.

    A condition's parent must be declared before its child, which rules out cycles and gives
    ``sample`` an order to follow.
    """

    def __init__(
        self,
        distributions: Mapping[str, Distribution],
        conditions: Mapping[str, Condition] | None = None,
    ) -> None:
        self._distributions = dict(distributions)
        self._conditions = dict(conditions or {})
        names = list(self._distributions)
        for child, condition in self._conditions.items():
            if child not in self._distributions:
                raise ValueError(f"condition on unknown parameter {child!r}")
            if condition.parent not in self._distributions:
                raise ValueError(
                    f"{child!r} depends on unknown parameter {condition.parent!r}; "
                    f"declared parameters: {', '.join(names)}"
                )
            if condition.parent == child:
                raise ValueError(f"{child!r} cannot depend on itself")
            if names.index(condition.parent) > names.index(child):
                raise ValueError(
                    f"{child!r} depends on {condition.parent!r}, which must be declared before it"
                )
            parent = self._distributions[condition.parent]
            for value in condition.values:
                if not parent.contains(value):
                    raise ValueError(
                        f"{child!r} is conditioned on {condition.parent}={value!r}, "
                        f"which {condition.parent!r} can never take"
                    )

    def __getitem__(self, name: str) -> Distribution:
        return self._distributions[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._distributions)

    def __len__(self) -> int:
        return len(self._distributions)

    def __repr__(self) -> str:
        return f"SearchSpace({self.to_dict()!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SearchSpace) and self.to_dict() == other.to_dict()

    __hash__ = None  # type: ignore[assignment]

    @property
    def conditions(self) -> Mapping[str, Condition]:
        return self._conditions

    def is_active(self, name: str, params: Mapping[str, ParamValue]) -> bool:
        condition = self._conditions.get(name)
        return condition is None or condition.holds(params)

    def sample(self, rng: np.random.Generator) -> dict[str, ParamValue]:
        """Draw every active parameter, parents before children."""
        params: dict[str, ParamValue] = {}
        for name, distribution in self._distributions.items():
            if self.is_active(name, params):
                params[name] = distribution.sample(rng)
        return params

    def active_only(self, params: Mapping[str, ParamValue]) -> dict[str, ParamValue]:
        """``params`` restricted to the parameters of this space active under them."""
        kept: dict[str, ParamValue] = {}
        for name in self._distributions:
            if name in params and self.is_active(name, kept):
                kept[name] = params[name]
        return kept

    def validate(self, params: Mapping[str, ParamValue]) -> None:
        """Raise ``ValueError`` unless ``params`` holds exactly the active parameters, in range."""
        for name, distribution in self._distributions.items():
            active = self.is_active(name, params)
            if active and name not in params:
                raise ValueError(f"missing parameter {name!r}")
            if not active and name in params:
                raise ValueError(f"parameter {name!r} is inactive here and must be left out")
            if active and not distribution.contains(params[name]):
                raise ValueError(f"{name}={params[name]!r} is outside {distribution.to_dict()}")
        unknown = set(params) - set(self._distributions)
        if unknown:
            raise ValueError(f"unknown parameters: {', '.join(sorted(unknown))}")

    def to_dict(self) -> dict[str, dict[str, Any]]:
        out: dict[str, dict[str, Any]] = {}
        for name, distribution in self._distributions.items():
            entry = distribution.to_dict()
            if name in self._conditions:
                entry["condition"] = self._conditions[name].to_dict()
            out[name] = entry
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Mapping[str, Any]]) -> SearchSpace:
        distributions: dict[str, Distribution] = {}
        conditions: dict[str, Condition] = {}
        for name, entry in data.items():
            entry = dict(entry)
            condition = entry.pop("condition", None)
            distributions[name] = distribution_from_dict(entry)
            if condition is not None:
                conditions[name] = Condition(condition["parent"], tuple(condition["values"]))
        return cls(distributions, conditions)


def checked_params(
    flat: SearchSpace,
    params: Mapping[str, ParamValue],
    fixed: Mapping[str, ParamValue] | None = None,
) -> dict[str, ParamValue]:
    """The end of every architecture space's ``params_of``: ``params`` agree with the space's
    fixed values, keep only the active ones, and must be valid in ``flat``; else a
    ``GenotypeError`` saying why."""
    from netsynth.space.genotype import GenotypeError

    for name, value in (fixed or {}).items():
        if name in params and params[name] != value:
            raise GenotypeError(f"{name}={params[name]!r} is fixed to {value!r} in this space")
    active = flat.active_only(dict(params))
    try:
        flat.validate(active)
    except ValueError as exc:
        raise GenotypeError(f"not in this space: {exc}") from None
    return active
