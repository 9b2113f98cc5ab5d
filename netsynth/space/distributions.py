"""Hyperparameter distributions: the typed ranges a parameter can take.

Each distribution is a frozen dataclass that validates itself on construction, samples with a
NumPy generator, maps a uniform number onto its range (``from_unit``) and round-trips through
a JSON-able dict (``to_dict`` / ``distribution_from_dict``).

>>> import numpy as np
>>> lr = FloatDistribution(1e-4, 1e-1, log=True)
>>> 1e-4 <= lr.sample(np.random.default_rng(0)) <= 1e-1
True
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, TypeAlias

import numpy as np

ChoiceValue: TypeAlias = bool | int | float | str | None
ParamValue: TypeAlias = ChoiceValue
_INT_LIMIT = 2**63 - 1  # what every storage backend keeps exactly


def _check_finite(name: str, value: float) -> None:
    if not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number, got {value!r}")


@dataclass(frozen=True)
class FloatDistribution:
    """A real number in ``[low, high]``; ``log=True`` samples uniformly in log space,
    ``step`` restricts values to ``low + k * step``."""

    low: float
    high: float
    log: bool = False
    step: float | None = None

    def __post_init__(self) -> None:
        _check_finite("low", self.low)
        _check_finite("high", self.high)
        if self.low > self.high:
            raise ValueError(f"low must be <= high, got low={self.low!r} > high={self.high!r}")
        if self.log and self.low <= 0:
            raise ValueError(f"log scale needs low > 0, got low={self.low!r}")
        if self.step is not None:
            if self.log:
                raise ValueError("step and log cannot be combined")
            if not (math.isfinite(self.step) and self.step > 0):
                raise ValueError(f"step must be a positive number, got {self.step!r}")
            if not math.isfinite((self.high - self.low) / self.step):
                raise ValueError("the range holds too many steps; use a larger step")

    def sample(self, rng: np.random.Generator) -> float:
        return self.from_unit(float(rng.random()))

    def from_unit(self, u: float) -> float:
        """The value at quantile ``u`` in [0, 1): maps a uniform draw onto this range."""
        if self.step is not None:
            n = math.floor((self.high - self.low) / self.step + 1e-9)
            value = self.low + self.step * min(int(u * (n + 1)), n)
        elif self.log:
            lo, hi = math.log(self.low), math.log(self.high)
            value = math.exp(lo + u * (hi - lo))
        else:
            value = self.low * (1 - u) + self.high * u  # no overflow when high - low would
        return float(min(max(value, self.low), self.high))  # rounding never leaves the range

    def contains(self, value: Any) -> bool:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return False
        if not self.low <= value <= self.high:
            return False
        if self.step is not None:
            k = (value - self.low) / self.step
            return abs(k - round(k)) < 1e-6
        return True

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"type": "float", "low": self.low, "high": self.high}
        if self.log:
            out["log"] = True
        if self.step is not None:
            out["step"] = self.step
        return out


@dataclass(frozen=True)
class IntDistribution:
    """An integer in ``[low, high]`` on a grid of ``step``; ``log=True`` favours small values."""

    low: int
    high: int
    log: bool = False
    step: int = 1

    def __post_init__(self) -> None:
        for name in ("low", "high", "step"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int):
                raise ValueError(f"{name} must be an integer, got {value!r}")
        if not (self.low >= -_INT_LIMIT and self.high <= _INT_LIMIT):
            raise ValueError(f"int bounds must lie within ±{_INT_LIMIT} (64-bit)")
        if self.low > self.high:
            raise ValueError(f"low must be <= high, got low={self.low!r} > high={self.high!r}")
        if self.step < 1:
            raise ValueError(f"step must be >= 1, got {self.step!r}")
        if self.log and self.low <= 0:
            raise ValueError(f"log scale needs low > 0, got low={self.low!r}")
        if self.log and self.step != 1:
            raise ValueError("step and log cannot be combined")

    def sample(self, rng: np.random.Generator) -> int:
        return self.from_unit(float(rng.random()))

    def from_unit(self, u: float) -> int:
        """The value at quantile ``u`` in [0, 1)."""
        if self.log:
            # Uniform in log space over [low - 0.5, high + 0.5] so every integer has a share.
            lo, hi = math.log(self.low - 0.5), math.log(self.high + 0.5)
            return min(max(round(math.exp(lo + u * (hi - lo))), self.low), self.high)
        n = (self.high - self.low) // self.step
        return int(self.low + self.step * min(int(u * (n + 1)), n))

    def contains(self, value: Any) -> bool:
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
            return False
        return bool(self.low <= value <= self.high and (value - self.low) % self.step == 0)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"type": "int", "low": self.low, "high": self.high}
        if self.log:
            out["log"] = True
        if self.step != 1:
            out["step"] = self.step
        return out


@dataclass(frozen=True)
class CategoricalDistribution:
    """One of a fixed tuple of JSON scalars (``None``, bool, int, float, str)."""

    choices: tuple[ChoiceValue, ...]

    def __post_init__(self) -> None:
        if not isinstance(self.choices, tuple):
            object.__setattr__(self, "choices", tuple(self.choices))
        if len(self.choices) == 0:
            raise ValueError("choices must not be empty")
        for choice in self.choices:
            if choice is not None and not isinstance(choice, (bool, int, float, str)):
                raise ValueError(
                    f"choices must be None, bool, int, float or str, got {type(choice).__name__}"
                )
            if isinstance(choice, float) and not math.isfinite(choice):
                raise ValueError(f"choices must be finite numbers, got {choice!r}")
        keys = [(type(c), c) for c in self.choices]
        if len(set(keys)) != len(keys):
            raise ValueError(f"choices must be distinct, got {list(self.choices)!r}")

    def sample(self, rng: np.random.Generator) -> ChoiceValue:
        return self.from_unit(float(rng.random()))

    def from_unit(self, u: float) -> ChoiceValue:
        """The choice at quantile ``u`` in [0, 1)."""
        return self.choices[min(int(u * len(self.choices)), len(self.choices) - 1)]

    def contains(self, value: Any) -> bool:
        return any(type(value) is type(c) and value == c for c in self.choices)

    def to_dict(self) -> dict[str, Any]:
        return {"type": "categorical", "choices": list(self.choices)}


Distribution: TypeAlias = FloatDistribution | IntDistribution | CategoricalDistribution


def distribution_from_dict(data: dict[str, Any]) -> Distribution:
    """Inverse of ``Distribution.to_dict``; raises ``ValueError`` on an unknown type."""
    kind = data.get("type")
    if kind == "float":
        return FloatDistribution(
            float(data["low"]),
            float(data["high"]),
            bool(data.get("log", False)),
            data.get("step"),
        )
    if kind == "int":
        return IntDistribution(
            int(data["low"]),
            int(data["high"]),
            bool(data.get("log", False)),
            int(data.get("step", 1)),
        )
    if kind == "categorical":
        return CategoricalDistribution(tuple(data["choices"]))
    raise ValueError(f"unknown distribution type {kind!r}; expected float, int or categorical")
