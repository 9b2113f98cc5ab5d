"""Property tests of the spec parser: valid parameter lists give the search space they describe,
invalid mutations give a SpecError, and no input at all gives any other exception."""

from __future__ import annotations

import copy
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from netsynth.space import CategoricalDistribution, FloatDistribution, IntDistribution
from netsynth.spec import ExperimentSpec, SpecError, parse_spec

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

NAMES = st.from_regex(r"[A-Za-z_][A-Za-z0-9_.\-]{0,8}", fullmatch=True)
CHOICES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**6), max_value=10**6),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=6),
)
# Every key the schema knows; an "unknown" key is drawn from outside this set.
KNOWN_KEYS = {
    "name", "storage", "seed", "objective", "trial", "parameters", "algorithm", "scheduler",
    "budget", "stopping", "execution", "metric", "direction", "function", "command", "type",
    "low", "high", "log", "step", "choices", "condition", "parent", "values", "max_trials",
    "max_failed_trials", "max_wall_seconds", "max_compute_seconds", "target", "patience",
    "workers", "executor", "strategy", "architecture", "estimator",
    # the old spellings, rewritten into the keys above rather than refused
    "space", "tapas", "zero_cost", "oneshot", "tabular", "inheritance",
}  # fmt: skip


def typed(values: Any) -> list[tuple[type, Any]]:
    return [(type(v), v) for v in values]


def unique_typed(values: list[Any]) -> list[Any]:
    out, seen = [], set()
    for value in values:
        if (type(value), value) not in seen:
            seen.add((type(value), value))
            out.append(value)
    return out


# -- valid parameter lists ------------------------------------------------------------------------


@st.composite
def float_parameter(draw: st.DrawFn) -> dict[str, Any]:
    kind = draw(st.sampled_from(["plain", "log", "step"]))
    if kind == "log":
        low = draw(st.floats(min_value=1e-6, max_value=1e3))
        high = low * draw(st.floats(min_value=1.0, max_value=1e6))
        return {"type": "float", "low": low, "high": high, "log": True}
    if kind == "step":
        # Decimal literals (as in YAML) with ``high`` half a step past the top of the grid: the
        # grid's own rounding edge is test_distributions' business, not the parser's.
        scale = 10 ** draw(st.integers(0, 3))
        a, b, k = (
            draw(st.integers(-1000, 1000)),
            draw(st.integers(1, 100)),
            draw(st.integers(0, 50)),
        )
        return {
            "type": "float",
            "low": a / scale,
            "high": (a + b * (k + 0.5)) / scale,
            "step": b / scale,
        }
    low = draw(st.floats(min_value=-1e6, max_value=1e6))
    entry = {"type": "float", "low": low, "high": low + draw(st.floats(0.0, 1e6))}
    if draw(st.booleans()):
        entry["log"] = False
    return entry


@st.composite
def int_parameter(draw: st.DrawFn) -> dict[str, Any]:
    if draw(st.booleans()):
        low = draw(st.integers(1, 10**6))
        return {"type": "int", "low": low, "high": low + draw(st.integers(0, 10**6)), "log": True}
    low = draw(st.integers(-(10**6), 10**6))
    entry = {"type": "int", "low": low, "high": low + draw(st.integers(0, 10**6))}
    if draw(st.booleans()):
        entry["step"] = draw(st.integers(1, 1000))
    return entry


categorical_parameter = st.lists(
    CHOICES, min_size=1, max_size=5, unique_by=lambda c: (type(c), c)
).map(lambda choices: {"type": "categorical", "choices": choices})


@st.composite
def parameter_lists(draw: st.DrawFn, min_size: int = 0) -> list[dict[str, Any]]:
    names = draw(st.lists(NAMES, min_size=min_size, max_size=6, unique=True))
    parameters: list[dict[str, Any]] = []
    for name in names:
        entry = draw(st.one_of(float_parameter(), int_parameter(), categorical_parameter))
        entry = {"name": name, **entry}
        parents = [p for p in parameters if p["type"] == "categorical"]
        if parents and draw(st.booleans()):
            parent = draw(st.sampled_from(parents))
            values = draw(st.lists(st.sampled_from(parent["choices"]), min_size=1, max_size=3))
            entry["condition"] = {"parent": parent["name"], "values": unique_typed(values)}
        parameters.append(entry)
    return parameters


@st.composite
def valid_specs(draw: st.DrawFn, min_parameters: int = 0) -> dict[str, Any]:
    parameters = draw(parameter_lists(min_size=min_parameters))
    if parameters and draw(st.booleans()):
        # Commands take ${name} placeholders for parameters whose names are identifiers.
        names = [p["name"] for p in parameters if p["name"].isidentifier()] or ["_"]
        used = draw(st.lists(st.sampled_from(names), max_size=3))
        used = [n for n in used if n != "_"]
        trial: dict[str, Any] = {"command": ["python", "train.py", *(f"${{{n}}}" for n in used)]}
    else:
        trial = {"function": "objective.py:objective"}
    spec: dict[str, Any] = {
        "objective": {"direction": draw(st.sampled_from(["minimize", "maximize"]))},
        "trial": trial,
        "parameters": parameters,
        "budget": {"max_trials": draw(st.integers(1, 1000))},
    }
    if draw(st.booleans()):
        spec["seed"] = draw(st.integers(0, 2**31))
        spec["execution"] = {"workers": draw(st.integers(1, 8))}
        spec["stopping"] = {"patience": draw(st.integers(1, 50))}
    return spec


@SETTINGS
@given(valid_specs(), st.integers(0, 2**32))
def test_valid_parameters_parse_into_their_search_space(data: dict[str, Any], seed: int) -> None:
    spec = parse_spec(copy.deepcopy(data))
    space = spec.search_space()
    assert list(space) == [p["name"] for p in data["parameters"]]
    kinds = {"float": FloatDistribution, "int": IntDistribution}
    for entry in data["parameters"]:
        distribution = space[entry["name"]]
        if entry["type"] == "categorical":
            assert isinstance(distribution, CategoricalDistribution)
            assert typed(distribution.choices) == typed(entry["choices"])
        else:
            assert isinstance(distribution, kinds[entry["type"]])
            assert (distribution.low, distribution.high) == (entry["low"], entry["high"])
            assert distribution.log == entry.get("log", False)
        condition = space.conditions.get(entry["name"])
        if "condition" in entry:
            assert condition is not None
            assert condition.parent == entry["condition"]["parent"]
            assert typed(condition.values) == typed(entry["condition"]["values"])
        else:
            assert condition is None
    rng = np.random.default_rng(seed)
    for _ in range(20):
        space.validate(space.sample(rng))


# -- invalid mutations ----------------------------------------------------------------------------


def _not_a_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return True
    return False


NON_NUMERIC = st.text(max_size=8).filter(_not_a_number)
UNKNOWN_KEYS = NAMES.filter(lambda key: key not in KNOWN_KEYS)


def _location(path: tuple[Any, ...]) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out


def _get(data: Any, path: tuple[Any, ...]) -> Any:
    for part in path:
        data = data[part]
    return data


@st.composite
def invalid_specs(draw: st.DrawFn) -> tuple[dict[str, Any], str, str]:
    """A valid spec, one mutation that breaks it, and where the error must be reported."""
    data = draw(valid_specs(min_parameters=1))
    params = data["parameters"]
    numeric = [i for i, p in enumerate(params) if p["type"] != "categorical"]
    categorical = [i for i, p in enumerate(params) if p["type"] == "categorical"]
    conditional = [i for i, p in enumerate(params) if "condition" in p]
    kinds = ["delete", "unknown_key", "string", "empty_choices", "duplicate_name"]
    if any(params[i]["low"] < params[i]["high"] for i in numeric):
        kinds.append("swap")
    kind = draw(st.sampled_from(kinds))

    if kind == "delete":
        required: list[tuple[Any, ...]] = [
            ("objective",), ("trial",), ("budget",), ("objective", "direction"),
            ("budget", "max_trials"), ("trial", next(iter(data["trial"]))),
        ]  # fmt: skip
        for i, p in enumerate(params):
            required += [("parameters", i, "name"), ("parameters", i, "type")]
            keys = ["choices"] if p["type"] == "categorical" else ["low", "high"]
            required += [("parameters", i, key) for key in keys]
        for i in conditional:
            required += [("parameters", i, "condition", k) for k in ("parent", "values")]
        path = draw(st.sampled_from(required))
        del _get(data, path[:-1])[path[-1]]
        # Checks that span a whole mapping report on the mapping: a missing ``type`` on the
        # parameter, a missing function/command on trial, a missing max_trials on budget.
        spans = path[-1] == "type" or path in {("trial", "function"), ("trial", "command")}
        where = path[:-1] if spans or path == ("budget", "max_trials") else path
        return data, _location(where), f"delete {_location(path)}"

    if kind == "unknown_key":
        containers: list[tuple[Any, ...]] = [(), ("objective",), ("trial",), ("budget",)]
        containers += [("parameters", i) for i in range(len(params))]
        containers += [("parameters", i, "condition") for i in conditional]
        where = draw(st.sampled_from(containers))
        key = draw(UNKNOWN_KEYS)
        _get(data, where)[key] = draw(CHOICES)
        return data, _location(where), f"add {key!r} to {_location(where) or 'top level'}"

    if kind == "string":
        fields: list[tuple[Any, ...]] = [("budget", "max_trials")]
        for i in numeric:
            fields += [("parameters", i, key) for key in ("low", "high", "step")]
        path = draw(st.sampled_from(fields))
        value = draw(NON_NUMERIC)
        _get(data, path[:-1])[path[-1]] = value
        return data, _location(path), f"set {_location(path)} = {value!r}"

    if kind == "empty_choices":
        if categorical:
            i = draw(st.sampled_from(categorical))
        else:
            i = len(params)
            params.append({"name": "_empty", "type": "categorical", "choices": ["x"]})
        params[i]["choices"] = []
        return data, f"parameters[{i}].choices", f"empty choices of parameters[{i}]"

    if kind == "duplicate_name":
        i = draw(st.integers(0, len(params) - 1))
        j = len(params)
        params.append({"name": params[i]["name"], "type": "int", "low": 0, "high": 1})
        return data, f"parameters[{j}]", f"duplicate {params[i]['name']!r}"

    assert kind == "swap"
    i = draw(st.sampled_from([i for i in numeric if params[i]["low"] < params[i]["high"]]))
    params[i]["low"], params[i]["high"] = params[i]["high"], params[i]["low"]
    return data, f"parameters[{i}]", f"swap low/high of parameters[{i}]"


@SETTINGS
@given(invalid_specs())
def test_invalid_mutations_raise_spec_error(case: tuple[dict[str, Any], str, str]) -> None:
    data, where, what = case
    with pytest.raises(SpecError) as info:
        parse_spec(data, source="mutated")
    problems = info.value.problems
    assert problems, what
    for path, message in problems:
        assert isinstance(path, str) and isinstance(message, str) and message, problems

    def names_it(path: str, message: str) -> bool:
        if path == where or path.startswith((f"{where}.", f"{where}[")):
            return True
        return path == "" and where in message  # whole-spec checks name the field themselves

    assert any(names_it(path, message) for path, message in problems), (what, where, problems)


# -- any input at all -----------------------------------------------------------------------------

LEAVES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),
    st.text(max_size=8),
    st.sampled_from(["float", "int", "categorical", "minimize", "maximize", "random", "${x}"]),
)
KEYS = st.one_of(st.sampled_from(sorted(KNOWN_KEYS)), st.text(max_size=6))
JSON = st.recursive(
    LEAVES,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(KEYS, children, max_size=5),
    max_leaves=20,
)


def _parse_or_spec_error(data: Any) -> None:
    try:
        result = parse_spec(data)
    except SpecError as exc:
        assert exc.problems
        assert isinstance(str(exc), str)
        return
    assert isinstance(result, ExperimentSpec)


@SETTINGS
@given(JSON)
def test_any_json_gives_a_spec_or_a_spec_error(data: Any) -> None:
    _parse_or_spec_error(data)


def _paths(data: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(data, dict):
        for key, value in data.items():
            out += _paths(value, (*prefix, key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            out += _paths(value, (*prefix, index))
    return out


@SETTINGS
@given(valid_specs(), st.data())
def test_valid_spec_with_a_random_subtree_gives_a_spec_or_a_spec_error(
    data: dict[str, Any], choose: st.DataObject
) -> None:
    """Random values deep inside an otherwise valid spec reach every validator."""
    for _ in range(choose.draw(st.integers(1, 3))):
        path = choose.draw(st.sampled_from(_paths(data)[1:]))
        _get(data, path[:-1])[path[-1]] = choose.draw(JSON)
    _parse_or_spec_error(data)
