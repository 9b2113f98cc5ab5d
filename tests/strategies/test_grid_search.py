"""Grid search: every point of the (discretized) space once, conditional parameters only where
active, a seeded order, then SpaceExhausted; oversized grids refused before anything is built."""

from __future__ import annotations

import itertools
import json
import time
from typing import Any

import pytest

import netsynth
from netsynth.space import SearchSpace
from netsynth.space.distributions import FloatDistribution, IntDistribution, ParamValue
from netsynth.strategies.grid_search import GridSearch, grid_values
from netsynth.strategies.registry import make_strategy
from netsynth.strategies.strategy import SpaceExhausted
from tests.nested_space import nested_space as shared_nested_space


def nested_space() -> SearchSpace:
    """optimizer -> momentum (sgd, rmsprop) and nesterov (sgd) -> dampening (nesterov=False)."""
    return shared_nested_space(momentum_high=0.9, dampening_step=0.25, layers_high=3)


def brute_force(space: SearchSpace, points: int) -> set[str]:
    """Every point, by enumerating the full product and dropping inactive parameters."""
    names = list(space)
    values = [grid_values(space[name], points) for name in names]
    return {
        key(space.active_only(dict(zip(names, combo, strict=True))))
        for combo in itertools.product(*values)
    }


def key(params: dict[str, ParamValue]) -> str:
    return json.dumps(sorted((name, [type(v).__name__, v]) for name, v in params.items()))


def all_points(grid: GridSearch, space: SearchSpace) -> list[dict[str, ParamValue]]:
    size = grid.grid_size(space)
    return [c.params for c in grid.propose(space, [], list(range(size)))]


@pytest.mark.parametrize("shuffle", [True, False])
def test_every_point_exactly_once_then_exhausted(shuffle: bool) -> None:
    space = nested_space()
    grid = GridSearch(seed=4, points=3, shuffle=shuffle)
    points = all_points(grid, space)
    # lr 3 x layers 3 x (sgd: momentum 3 x (nesterov True + nesterov False x dampening 3)
    #                    + adam + rmsprop: momentum 3)
    assert len(points) == 3 * 3 * (3 * (1 + 3) + 1 + 3)
    for params in points:
        space.validate(params)
        assert space.active_only(params) == params
    keys = [key(p) for p in points]
    assert len(set(keys)) == len(keys)  # no duplicates, inactive children included
    assert set(keys) == brute_force(space, 3)
    with pytest.raises(SpaceExhausted, match=f"the grid has {len(points)} points"):
        grid.propose(space, [], [len(points)])


def test_order_is_seeded_and_unshuffled_order_is_the_product_order() -> None:
    space = SearchSpace.from_dict(
        {
            "a": {"type": "categorical", "choices": ["x", "y"]},
            "b": {"type": "int", "low": 0, "high": 2},
        }
    )
    plain = all_points(GridSearch(points=5, shuffle=False), space)
    assert plain == [{"a": a, "b": b} for a in ("x", "y") for b in (0, 1, 2)]
    one = all_points(GridSearch(seed=1, points=5), space)
    assert one == all_points(GridSearch(seed=1, points=5), space)
    orders = {tuple(key(p) for p in all_points(GridSearch(seed=s), space)) for s in range(6)}
    assert len(orders) > 1
    assert sorted(map(key, one)) == sorted(map(key, plain))


def test_trial_number_n_gets_point_n_in_any_call() -> None:
    space = nested_space()
    every = all_points(GridSearch(seed=2, points=3), space)
    later = GridSearch(seed=2, points=3).propose(space, [], [17, 5])
    assert [c.params for c in later] == [every[17], every[5]]


def test_values_per_distribution() -> None:
    assert grid_values(IntDistribution(1, 4), 5) == [1, 2, 3, 4]  # all, when few enough
    assert grid_values(IntDistribution(0, 100), 5) == [0, 25, 50, 75, 100]
    assert grid_values(IntDistribution(0, 100, step=10), 3) == [0, 50, 100]
    assert grid_values(IntDistribution(1, 1000, log=True), 4) == [1, 10, 100, 1000]
    assert grid_values(FloatDistribution(0.0, 1.0), 5) == [0.0, 0.25, 0.5, 0.75, 1.0]
    logs = grid_values(FloatDistribution(1e-4, 1e-1, log=True), 4)
    assert logs[0] == 1e-4 and logs[-1] == 1e-1
    assert all(b / a == pytest.approx(10.0) for a, b in itertools.pairwise(logs))  # type: ignore[operator]
    assert grid_values(FloatDistribution(0.0, 1.0, step=0.1), 3) == pytest.approx([0.0, 0.5, 1.0])
    # On the step grid, even when high is not: 0, 0.3, 0.6, 0.9 (high 1.0 is off the grid).
    stepped = grid_values(FloatDistribution(0.0, 1.0, step=0.3), 10)
    assert stepped == pytest.approx([0.0, 0.3, 0.6, 0.9])
    assert grid_values(FloatDistribution(2.0, 2.0), 5) == [2.0]
    assert grid_values(FloatDistribution(0.0, 1.0), 1) == [0.0]
    huge = grid_values(IntDistribution(0, 2**62), 3)
    assert huge == [0, 2**61, 2**62]  # exact, no float rounding past the bounds
    for dist in (IntDistribution(3, 50, log=True), FloatDistribution(0.5, 7.0, step=0.5)):
        assert all(dist.contains(v) for v in grid_values(dist, 7))


def test_a_too_large_grid_is_refused_before_it_is_built() -> None:
    space = SearchSpace.from_dict(
        {f"x{i}": {"type": "float", "low": 0, "high": 1} for i in range(12)}
    )
    grid = GridSearch(points=5)  # 5**12 = 244 million points
    start = time.perf_counter()
    with pytest.raises(ValueError, match=r"244,140,625 points.*lower `points`"):
        grid.propose(space, [], [0])
    assert time.perf_counter() - start < 1.0
    # Just under the limit is fine, and still nothing is materialized.
    ok = SearchSpace.from_dict({f"x{i}": {"type": "float", "low": 0, "high": 1} for i in range(10)})
    assert GridSearch(points=5).grid_size(ok) == 5**10
    assert len(GridSearch(points=5).propose(ok, [], [5**10 - 1, 0])) == 2


def test_settings_are_checked_and_round_trip() -> None:
    with pytest.raises(ValueError, match="points"):
        GridSearch(points=0)
    strategy = make_strategy({"name": "grid", "points": 3, "shuffle": False}, seed=9)
    settings: dict[str, Any] = strategy.to_dict()
    assert settings == {"name": "grid", "seed": 9, "points": 3, "shuffle": False}
    assert json.loads(json.dumps(settings)) == settings
    space = nested_space()
    again = make_strategy(settings, seed=0)
    assert again.propose(space, [], [0, 7]) == strategy.propose(space, [], [0, 7])


def test_an_experiment_ends_when_the_grid_is_done() -> None:
    exp = netsynth.create_experiment(
        parameters={
            "a": {"type": "categorical", "choices": ["x", "y"]},
            "b": {"type": "float", "low": 0.0, "high": 1.0},
        },
        strategy={"name": "grid", "points": 3},
        seed=1,
    )
    exp.run(lambda trial: 0.0, max_trials=50, progress=False)
    params = [t.params for t in exp.trials()]
    assert len(params) == 6
    assert {key(p) for p in params} == {
        key({"a": a, "b": b}) for a in "xy" for b in (0.0, 0.5, 1.0)
    }
