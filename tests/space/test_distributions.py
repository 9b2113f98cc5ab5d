"""Hyperparameter distributions: sampling stays in range, round-trips, invalid ranges rejected."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from netsynth.space import (
    CategoricalDistribution,
    FloatDistribution,
    IntDistribution,
    distribution_from_dict,
    seeded_draw,
    unit_draw,
)

UNIT = st.floats(min_value=0.0, max_value=1.0, exclude_max=True)
BELOW_ONE = math.nextafter(1.0, 0.0)


def _typed(values):
    """Choices compared with their types: ``True == 1 == 1.0`` in Python, not for a choice."""
    return [(type(v), v) for v in values]


def _check_all_contained(distribution, u: float, seed: int) -> None:
    for q in (u, 0.0, BELOW_ONE):  # the ends of the range are where rounding bites
        value = distribution.from_unit(q)
        assert distribution.contains(value), f"from_unit({q!r}) = {value!r} not in {distribution}"
    rng = np.random.default_rng(seed)
    for _ in range(5):
        value = distribution.sample(rng)
        assert distribution.contains(value), f"sample() = {value!r} not in {distribution}"


# -- strategies -------------------------------------------------------------------------------


@st.composite
def float_distributions(draw: st.DrawFn, exact_steps: bool = True) -> FloatDistribution:
    kind = draw(st.sampled_from(["plain", "log", "step"]))
    if kind == "log":
        low = draw(st.floats(min_value=1e-8, max_value=1e6))
        high = low * draw(st.floats(min_value=1.0, max_value=1e6))
        return FloatDistribution(low, high, log=True)
    if kind == "step":
        # Decimal literals as a user writes them (low: 0, high: 0.3, step: 0.1): the float
        # nearest to each, so the top of the grid may lie a rounding error above ``high``.
        scale = 10 ** draw(st.integers(min_value=0, max_value=3))
        a = draw(st.integers(min_value=-(10**4), max_value=10**4))
        b = draw(st.integers(min_value=1, max_value=10**3))
        k = draw(st.integers(min_value=0, max_value=1000))
        # Safe variant: ``high`` half a step past the top of the grid, far from any rounding.
        frac = draw(st.sampled_from([0.0, 0.0, 0.5])) if exact_steps else 0.5
        high = (a + b * (k + frac)) / scale
        return FloatDistribution(a / scale, high, step=b / scale)
    low = draw(st.floats(min_value=-1e3, max_value=1e3))
    return FloatDistribution(low, low + draw(st.floats(min_value=0.0, max_value=1e6)))


@st.composite
def int_distributions(draw: st.DrawFn) -> IntDistribution:
    if draw(st.booleans()):
        low = draw(st.integers(min_value=1, max_value=10**9))
        return IntDistribution(low, low + draw(st.integers(0, 10**9)), log=True)
    low = draw(st.integers(min_value=-(10**9), max_value=10**9))
    high = low + draw(st.integers(min_value=0, max_value=10**9))
    return IntDistribution(low, high, step=draw(st.integers(min_value=1, max_value=10**6)))


SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**12), max_value=10**12),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=10),
)
categorical_distributions = st.lists(
    SCALARS, min_size=1, max_size=8, unique_by=lambda c: (type(c), c)
).map(lambda choices: CategoricalDistribution(tuple(choices)))

any_distribution = st.one_of(float_distributions(), int_distributions(), categorical_distributions)


# -- every value drawn is in range --------------------------------------------------------------


@settings(max_examples=200)
@given(float_distributions(), UNIT, st.integers(0, 2**32))
@example(FloatDistribution(0.0, 0.3, step=0.1), 0.9, 0)  # 0 + 3 * 0.1 == 0.30000000000000004
@example(FloatDistribution(1.0, 1.0), 0.5, 0)
@example(FloatDistribution(1e-4, 1e-1, log=True), 0.0, 0)
def test_float_values_are_contained(dist: FloatDistribution, u: float, seed: int) -> None:
    _check_all_contained(dist, u, seed)


@settings(max_examples=200)
@given(int_distributions(), UNIT, st.integers(0, 2**32))
@example(IntDistribution(1, 1, log=True), 0.5, 0)
@example(IntDistribution(0, 10, step=3), BELOW_ONE, 0)
def test_int_values_are_contained(dist: IntDistribution, u: float, seed: int) -> None:
    _check_all_contained(dist, u, seed)
    assert isinstance(dist.from_unit(u), int)


@settings(max_examples=150)
@given(categorical_distributions, UNIT, st.integers(0, 2**32))
def test_categorical_values_are_contained(
    dist: CategoricalDistribution, u: float, seed: int
) -> None:
    _check_all_contained(dist, u, seed)


def test_from_unit_ends() -> None:
    assert FloatDistribution(-2.0, 3.0).from_unit(0.0) == -2.0
    assert FloatDistribution(-2.0, 3.0).from_unit(BELOW_ONE) == pytest.approx(3.0)
    assert IntDistribution(0, 10, step=3).from_unit(0.0) == 0
    assert IntDistribution(0, 10, step=3).from_unit(BELOW_ONE) == 9
    cat = CategoricalDistribution(("a", "b", "c"))
    assert [cat.from_unit(u) for u in (0.0, 0.34, 0.67, BELOW_ONE)] == ["a", "b", "c", "c"]


def test_float_step_grid() -> None:
    dist = FloatDistribution(0.0, 1.0, step=0.25)
    values = {dist.from_unit(u / 100) for u in range(100)}
    assert values == {0.0, 0.25, 0.5, 0.75, 1.0}


def test_int_step_grid() -> None:
    dist = IntDistribution(1, 10, step=4)
    rng = np.random.default_rng(0)
    assert {dist.sample(rng) for _ in range(300)} == {1, 5, 9}


def test_contains_rejects_wrong_types_and_off_grid_values() -> None:
    assert not FloatDistribution(0.0, 2.0).contains(True)
    assert not FloatDistribution(0.0, 2.0).contains("1.0")
    assert not FloatDistribution(0.0, 2.0).contains(2.5)
    assert not FloatDistribution(0.0, 1.0, step=0.25).contains(0.3)
    assert IntDistribution(0, 10).contains(np.int64(3))
    assert not IntDistribution(0, 10).contains(3.0)
    assert not IntDistribution(0, 10).contains(True)
    assert not IntDistribution(0, 10, step=2).contains(3)
    cat = CategoricalDistribution((1, "1", True, None))
    assert cat.contains(1) and cat.contains("1") and cat.contains(True) and cat.contains(None)
    assert not cat.contains(1.0)
    assert not CategoricalDistribution((1,)).contains(True)


# -- shape of the sampling ------------------------------------------------------------------------


def test_float_log_is_uniform_in_log_space() -> None:
    low, high = 1e-4, 1e-1
    mid = math.sqrt(low * high)
    rng = np.random.default_rng(12345)
    log_draws = [FloatDistribution(low, high, log=True).sample(rng) for _ in range(4000)]
    fraction = sum(v < mid for v in log_draws) / len(log_draws)
    assert 0.45 <= fraction <= 0.55
    # Without log, almost nothing falls below the geometric mid-point.
    linear = [FloatDistribution(low, high).sample(rng) for _ in range(4000)]
    assert sum(v < mid for v in linear) / len(linear) < 0.05


def test_int_log_reaches_both_ends_and_favours_small_values() -> None:
    dist = IntDistribution(1, 8, log=True)
    rng = np.random.default_rng(7)
    draws = [dist.sample(rng) for _ in range(2000)]
    assert set(draws) == set(range(1, 9))
    assert draws.count(1) > draws.count(8)
    wide = IntDistribution(3, 1000, log=True)
    assert wide.from_unit(0.0) == 3
    assert wide.from_unit(BELOW_ONE) == 1000


def test_int_uniform_covers_range_evenly() -> None:
    dist = IntDistribution(0, 3)
    rng = np.random.default_rng(3)
    draws = [dist.sample(rng) for _ in range(4000)]
    for value in range(4):
        assert 0.2 <= draws.count(value) / len(draws) <= 0.3


# -- round-trip ---------------------------------------------------------------------------------


@settings(max_examples=150)
@given(any_distribution)
def test_to_dict_round_trip(dist) -> None:
    back = distribution_from_dict(dist.to_dict())
    assert back == dist
    assert type(back) is type(dist)
    if isinstance(dist, CategoricalDistribution):
        assert _typed(back.choices) == _typed(dist.choices)
    # Through JSON as well (what the storage does), when the values are JSON-able.
    text = json.dumps(dist.to_dict(), allow_nan=False) if _json_safe(dist) else None
    if text is not None:
        assert distribution_from_dict(json.loads(text)) == dist


def _json_safe(dist) -> bool:
    values = dist.choices if isinstance(dist, CategoricalDistribution) else (dist.low, dist.high)
    return all(not isinstance(v, float) or math.isfinite(v) for v in values)


def test_to_dict_leaves_out_defaults() -> None:
    assert FloatDistribution(0.0, 1.0).to_dict() == {"type": "float", "low": 0.0, "high": 1.0}
    assert IntDistribution(1, 9, log=True).to_dict() == {
        "type": "int",
        "low": 1,
        "high": 9,
        "log": True,
    }
    assert IntDistribution(0, 9, step=3).to_dict()["step"] == 3
    assert CategoricalDistribution(["a", None]).to_dict() == {
        "type": "categorical",
        "choices": ["a", None],
    }


def test_from_dict_unknown_type() -> None:
    with pytest.raises(ValueError, match=r"unknown distribution type 'bool'.*float, int or cat"):
        distribution_from_dict({"type": "bool"})


# -- invalid constructions ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: FloatDistribution(2.0, 1.0), r"low must be <= high, got low=2.0 > high=1.0"),
        (lambda: IntDistribution(5, 1), r"low must be <= high, got low=5 > high=1"),
        (lambda: FloatDistribution(0.0, 1.0, log=True), r"log scale needs low > 0"),
        (lambda: FloatDistribution(-1.0, 1.0, log=True), r"log scale needs low > 0"),
        (lambda: IntDistribution(0, 10, log=True), r"log scale needs low > 0"),
        (lambda: FloatDistribution(0.0, 1.0, step=0.0), r"step must be a positive number"),
        (lambda: FloatDistribution(0.0, 1.0, step=-0.5), r"step must be a positive number"),
        (lambda: FloatDistribution(0.0, 1.0, step=math.inf), r"step must be a positive number"),
        (lambda: FloatDistribution(0.0, 1.0, step=math.nan), r"step must be a positive number"),
        (lambda: IntDistribution(0, 10, step=0), r"step must be >= 1"),
        (lambda: IntDistribution(0, 10, step=-2), r"step must be >= 1"),
        (lambda: FloatDistribution(1.0, 2.0, log=True, step=0.1), r"step and log"),
        (lambda: IntDistribution(1, 10, log=True, step=2), r"step and log"),
        (lambda: FloatDistribution(0.0, math.inf), r"high must be a finite number"),
        (lambda: FloatDistribution(-math.inf, 0.0), r"low must be a finite number"),
        (lambda: FloatDistribution(math.nan, 1.0), r"low must be a finite number"),
        (lambda: IntDistribution(1.5, 3), r"low must be an integer"),  # type: ignore[arg-type]
        (lambda: IntDistribution(True, 3), r"low must be an integer"),
        (lambda: CategoricalDistribution(()), r"choices must not be empty"),
        (lambda: CategoricalDistribution(("a", "b", "a")), r"choices must be distinct"),
        (lambda: CategoricalDistribution((1, [2])), r"None, bool, int, float or str, got list"),
        (lambda: CategoricalDistribution(({"a": 1},)), r"None, bool, int, float or str, got dict"),
    ],
)
def test_invalid_construction(make, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        make()


def test_equal_looking_choices_of_different_types_are_distinct() -> None:
    dist = CategoricalDistribution((1, 1.0, True, "1"))
    assert len(dist.choices) == 4
    with pytest.raises(ValueError, match="distinct"):
        CategoricalDistribution((0.0, -0.0))


# -- values the constructor accepts but sampling cannot produce (library bugs) ---------------------


def test_categorical_nan_choice_is_rejected_or_contained() -> None:
    # NaN != NaN, so a NaN choice is accepted and sampled but never ``contains``-ed.
    try:
        dist = CategoricalDistribution((math.nan, 1.0))
    except ValueError:
        return
    assert dist.contains(dist.from_unit(0.0)), "sampled NaN choice is not contained"


def test_float_range_wider_than_max_float_still_samples_in_range() -> None:
    dist = FloatDistribution(-1e308, 1e308)  # finite bounds, but high - low overflows
    for u in (0.0, 0.25, 0.5, BELOW_ONE):
        assert dist.contains(dist.from_unit(u)), f"from_unit({u}) = {dist.from_unit(u)!r}"


# -- seeded draws ---------------------------------------------------------------------------------


def test_seeded_draw_is_deterministic_per_key() -> None:
    dist = FloatDistribution(-5.0, 5.0)
    for seed, number, name in [(0, 0, "x"), (7, 123, "lr"), (2**40, 5, "a.b-c")]:
        first = seeded_draw(dist, seed, number, name)
        assert seeded_draw(dist, seed, number, name) == first
        assert dist.contains(first)


def test_seeded_draw_differs_across_names_numbers_and_seeds() -> None:
    dist = FloatDistribution(0.0, 1.0)
    by_name = {seeded_draw(dist, 0, 3, name) for name in ("x", "y", "z", "lr", "momentum")}
    by_number = {seeded_draw(dist, 0, number, "x") for number in range(50)}
    by_seed = {seeded_draw(dist, seed, 3, "x") for seed in range(50)}
    assert len(by_name) == 5
    assert len(by_number) == 50
    assert len(by_seed) == 50


def test_unit_draw_is_uniform_in_unit_interval() -> None:
    draws = [unit_draw(1, number, "x") for number in range(4000)]
    assert all(0.0 <= u < 1.0 for u in draws)
    assert 0.47 <= sum(draws) / len(draws) <= 0.53
    assert 0.2 <= sum(u < 0.25 for u in draws) / len(draws) <= 0.3


@settings(max_examples=100)
@given(
    # Steps off the grid's upper edge: the edge case is test_float_values_are_contained's.
    st.one_of(
        float_distributions(exact_steps=False), int_distributions(), categorical_distributions
    ),
    st.integers(0, 2**63),
    st.integers(0, 10**6),
    st.text(min_size=1),
)
def test_seeded_draw_is_contained(dist, seed: int, number: int, name: str) -> None:
    value = seeded_draw(dist, seed, number, name)
    assert dist.contains(value)
    assert seeded_draw(dist, seed, number, name) == value
