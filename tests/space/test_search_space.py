"""Search spaces: conditional parameters, validation of a parameter set, (de)serialisation."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from netsynth.space import (
    CategoricalDistribution,
    Condition,
    FloatDistribution,
    IntDistribution,
    SearchSpace,
)
from tests.nested_space import nested_space as shared_nested_space


def nested_space() -> SearchSpace:
    """optimizer -> momentum (sgd, rmsprop) and nesterov (sgd) -> dampening (nesterov=False)."""
    return shared_nested_space(momentum_high=0.99, dampening_step=0.1, layers_high=8)


def test_mapping_protocol_keeps_declaration_order() -> None:
    space = nested_space()
    assert list(space) == ["lr", "optimizer", "momentum", "nesterov", "dampening", "layers"]
    assert len(space) == 6
    assert space["layers"] == IntDistribution(1, 8)
    assert set(space.conditions) == {"momentum", "nesterov", "dampening"}
    assert space.conditions["momentum"] == Condition("optimizer", ("sgd", "rmsprop"))


def test_conditional_parameters_appear_exactly_when_parent_matches() -> None:
    space = nested_space()
    rng = np.random.default_rng(0)
    seen_optimizers, seen_nesterov = set(), set()
    for _ in range(600):
        params = space.sample(rng)
        space.validate(params)
        assert "lr" in params and "layers" in params and "optimizer" in params
        seen_optimizers.add(params["optimizer"])
        assert ("momentum" in params) == (params["optimizer"] in ("sgd", "rmsprop"))
        assert ("nesterov" in params) == (params["optimizer"] == "sgd")
        if "nesterov" in params:
            seen_nesterov.add(params["nesterov"])
        # A grandchild is inactive whenever its parent is.
        assert ("dampening" in params) == (params.get("nesterov") is False)
    assert seen_optimizers == {"sgd", "adam", "rmsprop"}
    assert seen_nesterov == {True, False}


def test_condition_compares_types_strictly() -> None:
    space = SearchSpace(
        {"flag": CategoricalDistribution((1, True)), "x": FloatDistribution(0.0, 1.0)},
        {"x": Condition("flag", (True,))},
    )
    assert space.is_active("x", {"flag": True})
    assert not space.is_active("x", {"flag": 1})
    assert not space.is_active("x", {})


def test_validate_accepts_a_complete_parameter_set() -> None:
    space = nested_space()
    space.validate({"lr": 0.01, "optimizer": "adam", "layers": 3})
    space.validate(
        {
            "lr": 0.01,
            "optimizer": "sgd",
            "momentum": 0.9,
            "nesterov": False,
            "dampening": 0.2,
            "layers": 3,
        }
    )


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"optimizer": "adam", "layers": 3}, "missing parameter 'lr'"),
        ({"lr": 0.01, "optimizer": "sgd", "nesterov": True, "layers": 3}, "missing .*'momentum'"),
        (
            {"lr": 0.01, "optimizer": "adam", "momentum": 0.5, "layers": 3},
            "'momentum' is inactive",
        ),
        (
            {"lr": 0.01, "optimizer": "rmsprop", "momentum": 0.5, "dampening": 0.1, "layers": 3},
            "'dampening' is inactive",
        ),
        ({"lr": 1.0, "optimizer": "adam", "layers": 3}, "lr=1.0 is outside"),
        ({"lr": 0.01, "optimizer": "nadam", "layers": 3}, "optimizer='nadam' is outside"),
        ({"lr": 0.01, "optimizer": "adam", "layers": 9}, "layers=9 is outside"),
        ({"lr": 0.01, "optimizer": "adam", "layers": 3.0}, "layers=3.0 is outside"),
        ({"lr": 0.01, "optimizer": "adam", "layers": True}, "layers=True is outside"),
        (
            {
                "lr": 0.01,
                "optimizer": "sgd",
                "momentum": 0.9,
                "nesterov": False,
                "layers": 3,
                "dampening": 0.25,
            },
            "dampening=0.25 is outside",
        ),
        (
            {"lr": 0.01, "optimizer": "adam", "layers": 3, "width": 4, "act": "relu"},
            "unknown parameters: act, width",
        ),
    ],
)
def test_validate_rejects(params: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        nested_space().validate(params)


def test_condition_on_unknown_parent() -> None:
    with pytest.raises(ValueError, match=r"'x' depends on unknown parameter 'opt'.*declared.*x"):
        SearchSpace({"x": FloatDistribution(0.0, 1.0)}, {"x": Condition("opt", ("sgd",))})


def test_condition_on_unknown_child() -> None:
    with pytest.raises(ValueError, match=r"condition on unknown parameter 'y'"):
        SearchSpace({"opt": CategoricalDistribution(("sgd",))}, {"y": Condition("opt", ("sgd",))})


def test_condition_on_parent_declared_after_child() -> None:
    with pytest.raises(ValueError, match=r"'x' depends on 'opt', which must be declared before"):
        SearchSpace(
            {"x": FloatDistribution(0.0, 1.0), "opt": CategoricalDistribution(("sgd", "adam"))},
            {"x": Condition("opt", ("sgd",))},
        )


def test_condition_on_itself_is_rejected() -> None:
    # A self-condition is a cycle: the parameter could never become active.
    with pytest.raises(ValueError, match=r"'x'.*(itself|declared before)"):
        SearchSpace({"x": CategoricalDistribution(("a",))}, {"x": Condition("x", ("a",))})


@pytest.mark.parametrize(
    ("parent", "value"),
    [
        (CategoricalDistribution(("sgd", "adam")), "nadam"),
        (CategoricalDistribution((1, 2)), 1.0),
        (CategoricalDistribution((1, 2)), True),
        (IntDistribution(0, 10, step=2), 3),
        (FloatDistribution(0.0, 1.0), 2.0),
    ],
)
def test_condition_on_value_parent_never_takes(parent, value) -> None:
    with pytest.raises(ValueError, match=r"which 'p' can never take"):
        SearchSpace(
            {"p": parent, "x": FloatDistribution(0.0, 1.0)}, {"x": Condition("p", (value,))}
        )


def test_to_dict_from_dict_round_trip() -> None:
    space = nested_space()
    data = space.to_dict()
    assert data["momentum"]["condition"] == {"parent": "optimizer", "values": ["sgd", "rmsprop"]}
    assert "condition" not in data["lr"]
    back = SearchSpace.from_dict(data)
    assert back == space
    assert list(back) == list(space)
    assert back.conditions == space.conditions
    via_json = SearchSpace.from_dict(json.loads(json.dumps(data)))
    assert via_json == space
    assert via_json.to_dict() == data


def test_equality_is_by_content() -> None:
    space = nested_space()
    assert space == nested_space()
    assert space != SearchSpace({"lr": FloatDistribution(1e-4, 1e-1, log=True)})
    assert space != space.to_dict()


@st.composite
def spaces(draw: st.DrawFn) -> SearchSpace:
    """Random spaces with conditions on earlier categorical parameters."""
    distributions: dict[str, object] = {}
    conditions: dict[str, Condition] = {}
    for index in range(draw(st.integers(min_value=1, max_value=6))):
        name = f"p{index}"
        kind = draw(st.sampled_from(["float", "int", "categorical"]))
        if kind == "float":
            low = draw(st.floats(-100, 100))
            distributions[name] = FloatDistribution(low, low + draw(st.floats(0, 100)))
        elif kind == "int":
            low = draw(st.integers(-100, 100))
            distributions[name] = IntDistribution(low, low + draw(st.integers(0, 100)))
        else:
            choices = draw(st.lists(st.text(max_size=3), min_size=1, max_size=4, unique=True))
            distributions[name] = CategoricalDistribution(tuple(choices))
        parents = [n for n, d in distributions.items() if isinstance(d, CategoricalDistribution)]
        parents = [n for n in parents if n != name]
        if parents and draw(st.booleans()):
            parent = draw(st.sampled_from(parents))
            values = draw(
                st.lists(st.sampled_from(distributions[parent].choices), min_size=1, unique=True)
            )
            conditions[name] = Condition(parent, tuple(values))
    return SearchSpace(distributions, conditions)  # type: ignore[arg-type]


@settings(max_examples=100)
@given(spaces(), st.integers(0, 2**32))
def test_random_spaces_sample_valid_params(space: SearchSpace, seed: int) -> None:
    rng = np.random.default_rng(seed)
    for _ in range(10):
        params = space.sample(rng)
        space.validate(params)
        for name in space:
            assert (name in params) == space.is_active(name, params)
    assert SearchSpace.from_dict(space.to_dict()) == space
