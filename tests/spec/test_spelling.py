"""The spec's old spellings (netsynth 0.1) load as the current ones, with a deprecation
warning that names the new spelling; errors name the current keys."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import pytest

from netsynth.cli import main
from netsynth.deprecation import NetsynthDeprecationWarning
from netsynth.spec import SpecError, load_spec, parse_spec
from netsynth.spec.compile import compile_spec

REPO = Path(__file__).resolve().parents[2]
OLD_SPECS = REPO / "tests" / "fixtures" / "specs_0_1"  # examples as netsynth 0.1 spelled them
EXAMPLES = REPO / "examples"

CHAIN = {"type": "chain", "max_layers": 2, "widths": [8]}


def chain_search(**keys: Any) -> dict[str, Any]:
    return {"name": "s", "data": "digits", "budget": {"max_trials": 2}, **keys}


def parsed_with_warnings(data: dict[str, Any]) -> tuple[Any, list[str]]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        spec = parse_spec(data)
    return spec, [str(w.message) for w in caught if w.category is NetsynthDeprecationWarning]


@pytest.mark.parametrize("path", sorted(OLD_SPECS.glob("*.yaml")), ids=lambda p: p.name)
def test_an_old_spec_loads_as_its_new_spelling_with_a_deprecation_warning(path: Path) -> None:
    with pytest.warns(NetsynthDeprecationWarning, match="removed in netsynth 0.3"):
        old = load_spec(path)
    with warnings.catch_warnings():
        warnings.simplefilter("error", NetsynthDeprecationWarning)
        new = load_spec(EXAMPLES / path.name)  # the examples use the current spelling only
    assert old == new


def test_an_old_spec_compiles_to_the_same_stored_experiment(tmp_path: Path) -> None:
    """An experiment started from an old spec is continued by the same spec respelled."""
    configs = []
    for folder in (OLD_SPECS, EXAMPLES):
        path = folder / "mnist1d-inherit.yaml"
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", NetsynthDeprecationWarning)
            spec = load_spec(path)
        compiled = compile_spec(spec, source=str(path), base_dir=path.parent, storage="memory")
        configs.append(compiled.experiment.record.config)
        assert compiled.estimator.inherit_epochs == 2  # type: ignore[attr-defined]
    assert configs[0] == configs[1]


@pytest.mark.parametrize(
    ("old", "estimator", "deprecated"),
    [
        ({"estimator": "train"}, {"type": "training"}, "estimator: train"),
        ({"estimator": "tapas"}, {"type": "tapas"}, "estimator: tapas"),
        ({"estimator": {"type": "train"}}, {"type": "training"}, "estimator: {type: train}"),
        ({"inheritance": {"epochs": 2}}, {"type": "inheritance", "epochs": 2}, "inheritance:"),
        ({"tapas": {"lde": "memory"}}, {"type": "training", "lde": "memory"}, "tapas:"),
        (  # the TAPAS-only settings had no effect without estimator: tapas
            {"tapas": {"lde": "memory", "tau": 0.2}},
            {"type": "training", "lde": "memory"},
            "tapas:",
        ),
        (
            {"estimator": "tapas", "tapas": {"tau": 0.2, "min_records": 5}},
            {"type": "tapas", "tau": 0.2, "min_records": 5},
            "tapas:",
        ),
        (
            {"estimator": "zero_cost", "zero_cost": {"proxy": "snip"}},
            {"type": "zero_cost", "proxy": "snip"},
            "zero_cost:",
        ),
    ],
)
def test_each_old_estimator_spelling_becomes_one_estimator_block(
    old: dict[str, Any], estimator: dict[str, Any], deprecated: str
) -> None:
    spec, messages = parsed_with_warnings(chain_search(space=CHAIN, **old))
    assert spec.estimator.model_dump(exclude_defaults=True) == {
        k: v for k, v in estimator.items() if k != "type" or v != "training"
    }
    assert spec.estimator.type == estimator["type"]
    assert any(m.startswith(deprecated) and "use estimator:" in m for m in messages), messages
    assert any(m.startswith("space:") and "use architecture:" in m for m in messages)


def test_old_oneshot_and_tabular_blocks_become_their_estimator_types() -> None:
    nb201 = {"type": "nb201", "init_channels": 4}
    spec, messages = parsed_with_warnings(
        chain_search(space=nb201, oneshot={"method": "enas", "epochs": 2})
    )
    assert (spec.estimator.type, spec.estimator.method, spec.estimator.epochs) == (
        "oneshot",
        "enas",
        2,
    )
    assert any(m.startswith("oneshot:") for m in messages)
    spec, messages = parsed_with_warnings({"tabular": {}, "budget": {"max_trials": 2}})
    assert spec.is_tabular and spec.estimator.table is None
    assert any(m.startswith("tabular:") for m in messages)


def test_algorithm_is_an_alias_of_strategy_without_a_warning() -> None:
    spec, messages = parsed_with_warnings(
        chain_search(
            architecture=CHAIN,
            algorithm={"name": "evolution", "population": 4},
            mode="sequential",
            tuning={"algorithm": {"name": "tpe"}, "budget": {"max_trials": 2}, "training": {
                "lr": {"low": 0.001, "high": 0.1}
            }},
        )
    )  # fmt: skip
    assert messages == []
    assert spec.strategy.name == "evolution" and spec.strategy.settings() == {"population": 4}
    assert spec.tuning.strategy.name == "tpe"


@pytest.mark.parametrize(
    ("data", "where", "fragment"),
    [
        (chain_search(space=CHAIN, architecture=CHAIN), "space", "give 'architecture' only"),
        (
            chain_search(architecture=CHAIN, algorithm={"name": "tpe"}, strategy={"name": "tpe"}),
            "algorithm",
            "not both",
        ),
        (
            chain_search(architecture=CHAIN, estimator="tapas", inheritance={"epochs": 2}),
            "inheritance",
            "cannot be combined",
        ),
        (
            chain_search(architecture=CHAIN, zero_cost={"proxy": "snip"}),
            "zero_cost",
            "estimator: {type: zero_cost",
        ),
        (
            chain_search(architecture=CHAIN, estimator={"type": "tapas", "tau": 0.1}, tapas={
                "tau": 0.2
            }),
            "estimator.tau",
            "under 'tapas'",
        ),
    ],
)  # fmt: skip
def test_mixed_or_conflicting_spellings_are_errors(
    data: dict[str, Any], where: str, fragment: str
) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NetsynthDeprecationWarning)
        with pytest.raises(SpecError) as error:
            parse_spec(data)
    ((path, message),) = error.value.problems
    assert path == where and fragment in message, error.value.problems


@pytest.mark.parametrize(
    ("old", "where", "fragment"),
    [
        ({"space": {**CHAIN, "widthz": [8]}}, "architecture", "unknown key 'widthz'"),
        ({"space": {"max_layers": 2}}, "architecture", "missing 'type'; one of: 'auto'"),
        ({"space": CHAIN, "tapas": {"lde": 3}}, "estimator.lde", "valid string"),
        ({"space": CHAIN, "estimator": "magic"}, "estimator", "'training'"),
        ({"space": CHAIN, "estimator": "tapas", "tapas": {"tau": 2}}, "estimator.tau", "1"),
        ({"space": {"type": "cell"}, "oneshot": {"method": "enas"}}, "estimator.method", "enas"),
    ],
)
def test_errors_in_an_old_spec_name_the_current_keys(
    old: dict[str, Any], where: str, fragment: str
) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NetsynthDeprecationWarning)
        with pytest.raises(SpecError) as error:
            parse_spec(chain_search(**old))
    assert any(p == where and fragment in m for p, m in error.value.problems), error.value.problems


def test_the_cli_prints_the_new_spelling_of_an_old_spec(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = OLD_SPECS / "mnist1d-inherit.yaml"
    assert main(["validate", str(path)]) == 0
    err = capsys.readouterr().err
    assert "deprecated: space: is deprecated, use architecture:" in err
    assert "deprecated: inheritance: {...} is deprecated, use estimator: {type: inheritance" in err
    assert "algorithm" not in err  # Katib's alias is not deprecated
    assert main(["validate", str(EXAMPLES / "mnist1d-inherit.yaml")]) == 0
    assert "deprecated" not in capsys.readouterr().err
