"""Grid search: every combination of a few values per parameter, each tried once.

Categoricals take every choice; integers every value when there are at most ``points`` of them,
else ``points`` evenly spaced ones; floats ``points`` values (log-spaced on log scales, on the
step grid when there is a step). A conditional parameter varies only where it is active, so the
grid holds no duplicates that differ only in an inactive child.

Trial ``n`` gets grid point ``n`` (of a seeded shuffle of the grid, unless ``shuffle=False``);
the grid is never materialized: point ``n`` is decoded from ``n`` directly, and the shuffle is a
seeded permutation computed one index at a time. Once the trial numbers run past the grid,
``propose`` raises ``SpaceExhausted`` and the search ends.

>>> from netsynth.space import SearchSpace
>>> space = SearchSpace.from_dict({
...     "optimizer": {"type": "categorical", "choices": ["sgd", "adam"]},
...     "momentum": {"type": "float", "low": 0.0, "high": 0.9, "condition":
...                  {"parent": "optimizer", "values": ["sgd"]}},
... })
>>> grid = GridSearch(points=3, shuffle=False)
>>> [c.params for c in grid.propose(space, [], [0, 1, 2, 3])]  # doctest: +NORMALIZE_WHITESPACE
[{'optimizer': 'sgd', 'momentum': 0.0}, {'optimizer': 'sgd', 'momentum': 0.45},
 {'optimizer': 'sgd', 'momentum': 0.9}, {'optimizer': 'adam'}]
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from netsynth.space.distributions import (
    CategoricalDistribution,
    Distribution,
    FloatDistribution,
    IntDistribution,
    ParamValue,
)
from netsynth.space.search_space import SearchSpace
from netsynth.strategies.base import BaseStrategy
from netsynth.strategies.context import StrategyContext
from netsynth.strategies.strategy import Candidate, SpaceExhausted
from netsynth.trial_record import TrialRecord

MAX_POINTS = 10_000_000


def grid_values(distribution: Distribution, points: int) -> list[ParamValue]:
    """The values a parameter takes on the grid, in increasing order (choices in their order)."""
    if isinstance(distribution, CategoricalDistribution):
        return list(distribution.choices)
    if isinstance(distribution, IntDistribution):
        return _int_values(distribution, points)
    return _float_values(distribution, points)


def _evenly(count: int, points: int) -> list[int]:
    """``points`` indices spread evenly over ``range(count)``, both ends included."""
    if count <= points:
        return list(range(count))
    if points == 1:
        return [0]
    # round(i * (count - 1) / (points - 1)) in integers: exact for counts past 2**53
    span, steps = count - 1, points - 1
    return sorted({(2 * i * span + steps) // (2 * steps) for i in range(points)})


def _log_spaced(low: float, high: float, points: int) -> list[float]:
    if points == 1 or low == high:
        return [low]
    lo, hi = math.log(low), math.log(high)
    inner = [math.exp(lo + (hi - lo) * i / (points - 1)) for i in range(1, points - 1)]
    return [low, *inner, high]  # the ends exactly


def _unique(values: list[Any]) -> list[Any]:
    """``values`` without repeats (rounding may make neighbours equal), in order."""
    return list(dict.fromkeys(values))


def _int_values(d: IntDistribution, points: int) -> list[ParamValue]:
    count = (d.high - d.low) // d.step + 1
    if count <= points:
        return [d.low + k * d.step for k in range(count)]
    if d.log:  # step is 1 on log scales
        spaced = _log_spaced(float(d.low), float(d.high), points)
        return _unique([min(max(round(v), d.low), d.high) for v in spaced])
    return [d.low + k * d.step for k in _evenly(count, points)]


def _float_values(d: FloatDistribution, points: int) -> list[ParamValue]:
    if d.step is not None:
        count = math.floor((d.high - d.low) / d.step + 1e-9) + 1
        return [min(d.low + k * d.step, d.high) for k in _evenly(count, points)]
    if d.low == d.high:
        return [d.low]
    if d.log:
        return _unique(_log_spaced(d.low, d.high, points))
    if points == 1:
        return [d.low]
    # low * (1 - u) + high * u: no overflow where high - low would
    fractions = [i / (points - 1) for i in range(1, points - 1)]
    inner = [min(max(d.low * (1 - u) + d.high * u, d.low), d.high) for u in fractions]
    return _unique([d.low, *inner, d.high])


@dataclass(frozen=True)
class _Node:
    """A parameter with its grid values; for each value, the children active under it and how
    many points the value's subtree holds."""

    name: str
    values: tuple[ParamValue, ...]
    children: tuple[tuple[_Node, ...], ...]  # per value: the children active under it
    sizes: tuple[int, ...]  # per value: product of the active children's sizes

    @property
    def size(self) -> int:
        return sum(self.sizes)


class _Grid:
    """The grid of a space as a tree of parameters; point ``i`` is decoded in O(depth)."""

    def __init__(self, space: SearchSpace, points: int) -> None:
        self.space = space
        children: dict[str, list[str]] = {name: [] for name in space}
        roots: list[str] = []
        for name in space:
            condition = space.conditions.get(name)
            (children[condition.parent] if condition else roots).append(name)
        values = {name: grid_values(space[name], points) for name in space}

        def build(name: str) -> _Node:
            kids = [build(child) for child in children[name]]
            per_value: list[tuple[_Node, ...]] = []
            sizes: list[int] = []
            for value in values[name]:
                active = tuple(
                    kid for kid in kids if space.conditions[kid.name].holds({name: value})
                )
                per_value.append(active)
                sizes.append(math.prod(kid.size for kid in active))
            return _Node(name, tuple(values[name]), tuple(per_value), tuple(sizes))

        self.roots = tuple(build(name) for name in roots)
        self.size = math.prod(root.size for root in self.roots)

    def point(self, index: int) -> dict[str, ParamValue]:
        """Grid point ``index``: the first parameter varies slowest, as in
        ``itertools.product``."""
        params: dict[str, ParamValue] = {}
        self._decode(self.roots, index, params)
        return {name: params[name] for name in self.space if name in params}

    def _decode(self, nodes: Sequence[_Node], index: int, params: dict[str, ParamValue]) -> None:
        for node in reversed(nodes):  # the last node varies fastest
            index, within = divmod(index, node.size)
            for value, kids, size in zip(node.values, node.children, node.sizes, strict=True):
                if within < size:
                    params[node.name] = value
                    self._decode(kids, within, params)
                    break
                within -= size


def _permuted(index: int, size: int, seed: int) -> int:
    """A seeded bijection of ``range(size)``: a 4-round Feistel network on the smallest
    even-bit power of two that holds ``size``, walking the cycle until it lands inside
    (fewer than 4 steps on average). Stable across Python and NumPy versions."""
    half = max(1, (max(size - 1, 1).bit_length() + 1) // 2)
    mask = (1 << half) - 1

    def rounds(x: int) -> int:
        left, right = x >> half, x & mask
        for r in range(4):
            digest = hashlib.blake2b(f"{seed}:{r}:{right}".encode(), digest_size=8).digest()
            left, right = right, left ^ (int.from_bytes(digest, "little") & mask)
        return (left << half) | right

    index = rounds(index)
    while index >= size:
        index = rounds(index)
    return index


class GridSearch(BaseStrategy):
    """Every grid point once, in a seeded order; then ``SpaceExhausted``.

    ``points``: how many values an int (with more than that many) or a float parameter takes.
    ``shuffle``: visit the points in a seeded random order (so that a search cut short still
    covers the space evenly) rather than in order.
    """

    name = "grid"
    setting_names = ("points", "shuffle")

    def __init__(
        self,
        seed: int = 0,
        *,
        points: int = 5,
        shuffle: bool = True,
        context: StrategyContext | None = None,
    ) -> None:
        if isinstance(points, bool) or not isinstance(points, int) or points < 1:
            raise ValueError(f"points must be a positive integer, got {points!r}")
        super().__init__(seed, context=context)
        self.points = points
        self.shuffle = bool(shuffle)
        self._grid: _Grid | None = None

    def grid_size(self, space: SearchSpace) -> int:
        """How many points the grid of ``space`` holds."""
        return self._grid_of(space).size

    def _grid_of(self, space: SearchSpace) -> _Grid:
        grid = self._grid
        if grid is None or not (grid.space is space or grid.space == space):
            grid = _Grid(space, self.points)
            if grid.size > MAX_POINTS:
                raise ValueError(
                    f"grid search: the grid has {grid.size:,} points, more than "
                    f"{MAX_POINTS:,}; lower `points` (now {self.points}) or search fewer "
                    "parameters, or use another strategy (random, tpe)"
                )
            self._grid = grid
        return grid

    def propose(
        self, space: SearchSpace, history: Sequence[TrialRecord], numbers: Sequence[int]
    ) -> list[Candidate]:
        grid = self._grid_of(space)
        out: list[Candidate] = []
        for number in numbers:
            if not 0 <= number < grid.size:
                raise SpaceExhausted(
                    f"grid search: the grid has {grid.size} points, all proposed "
                    f"(trial number {number})"
                )
            index = _permuted(number, grid.size, self.seed) if self.shuffle else number
            out.append(Candidate(grid.point(index)))
        return out
