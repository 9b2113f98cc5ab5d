"""One local change to a point of a flat space: the mutation generic strategies use.

One active parameter, picked uniformly, is redrawn: a categorical takes another of its choices;
a number moves by a Gaussian step of a fifth of its (log-)range, reflected at the ends. Children
that become active under a changed parent are drawn, children that become inactive are dropped.

>>> import numpy as np
>>> from netsynth.space import SearchSpace, CategoricalDistribution
>>> space = SearchSpace({"a": CategoricalDistribution(("x", "y"))})
>>> mutate_params(space, {"a": "x"}, np.random.default_rng(0))
{'a': 'y'}
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np

from netsynth.space.distributions import (
    CategoricalDistribution,
    Distribution,
    FloatDistribution,
    IntDistribution,
    ParamValue,
)
from netsynth.space.search_space import SearchSpace

_STEP = 0.2  # standard deviation of a numeric move, as a share of the range


def to_unit(distribution: Distribution, value: ParamValue) -> float:
    """Where ``value`` lies in the distribution's range, in [0, 1] (log scale if log)."""
    if isinstance(distribution, CategoricalDistribution):
        index = distribution.choices.index(value)  # type: ignore[arg-type]
        return (index + 0.5) / len(distribution.choices)
    low, high, x = float(distribution.low), float(distribution.high), float(value)  # type: ignore[arg-type]
    if distribution.log:
        low, high, x = math.log(low), math.log(high), math.log(x)
    return 0.5 if high == low else (x - low) / (high - low)


def nudge(distribution: Distribution, value: ParamValue, rng: np.random.Generator) -> ParamValue:
    """A nearby different value where the distribution has one (else ``value``)."""
    if isinstance(distribution, CategoricalDistribution):
        others = [c for c in distribution.choices if c != value]
        return others[int(rng.integers(len(others)))] if others else value
    assert isinstance(distribution, (FloatDistribution, IntDistribution))
    u = to_unit(distribution, value)
    for _ in range(8):  # a step that lands on the same grid value is retried
        moved = distribution.from_unit(_reflect(u + _STEP * rng.normal()))
        if moved != value:
            return moved
    for _ in range(64):  # a narrow grid: any other value
        moved = distribution.from_unit(float(rng.random()))
        if moved != value:
            return moved
    return value


def _reflect(u: float) -> float:
    """``u`` folded back into [0, 1) at the ends, so steps near a bound still move."""
    u = abs(u) % 2.0
    return min(2.0 - u if u > 1.0 else u, 1.0 - 1e-12)


def mutate_params(
    space: SearchSpace,
    params: Mapping[str, ParamValue],
    rng: np.random.Generator,
    names: list[str] | None = None,
) -> dict[str, ParamValue]:
    """``params`` with one active parameter (of ``names``, if given) changed."""
    active = [n for n in space if n in params and (names is None or n in names)]
    changeable = [n for n in active if _has_alternatives(space[n])]
    if not changeable:
        return dict(params)
    name = changeable[int(rng.integers(len(changeable)))]
    child = dict(params)
    child[name] = nudge(space[name], params[name], rng)
    out: dict[str, ParamValue] = {}
    for n, distribution in space.items():  # parents come first: conditions settle in order
        if not space.is_active(n, out):
            continue
        out[n] = child[n] if n in child else distribution.sample(rng)
    return out


def _has_alternatives(distribution: Distribution) -> bool:
    if isinstance(distribution, CategoricalDistribution):
        return len(distribution.choices) > 1
    return distribution.low != distribution.high  # type: ignore[union-attr]


def encode_params(space: SearchSpace, params: Mapping[str, ParamValue]) -> np.ndarray:
    """A fixed-length vector: one-hot per categorical, position in range per number; zeros
    for inactive parameters."""
    parts: list[float] = []
    for name, distribution in space.items():
        value = params.get(name)
        if isinstance(distribution, CategoricalDistribution):
            parts += [1.0 if name in params and c == value else 0.0 for c in distribution.choices]
        else:
            parts.append(to_unit(distribution, value) if name in params else 0.0)
    return np.asarray(parts, dtype=np.float64)
