"""``netsynth run --set PATH=VALUE``: dotted paths into the spec, YAML values, and the spec
validated as a whole afterwards (a bad override reads as a bad spec)."""

from __future__ import annotations

import argparse
import warnings
from pathlib import Path
from typing import Any

import pytest

from netsynth.cli import _load_run_spec
from netsynth.deprecation import NetsynthDeprecationWarning
from netsynth.spec import SpecError
from netsynth.spec.overrides import apply_overrides

CHAIN = """
name: chain
data: digits
architecture:
  type: chain
  max_layers: 2
  widths: [8]
  training: {optimizer: adamw, lr: 0.01, batch_size: 64, epochs: 5}
budget: {max_trials: 4}
"""


def _args(spec: str | None, *sets: str) -> argparse.Namespace:
    return argparse.Namespace(spec=spec, set=list(sets))


def test_values_are_yaml_and_missing_mappings_are_created() -> None:
    data: dict[str, Any] = {"parameters": [{"name": "x", "low": 0}], "data": "digits"}
    result = apply_overrides(
        data,
        [
            "architecture.widths=[16, 32]",
            "final.epochs=1",
            "parameters.0.low=-4.5",
            "data.val_fraction=0.2",  # the short form data: NAME is widened
            "budget={max_trials: 3}",
            "stopping.target=null",
            "name=renamed",
        ],
    )
    assert result == {
        "parameters": [{"name": "x", "low": -4.5}],
        "data": {"dataset": "digits", "val_fraction": 0.2},
        "architecture": {"widths": [16, 32]},
        "final": {"epochs": 1},
        "budget": {"max_trials": 3},
        "stopping": {"target": None},
        "name": "renamed",
    }
    assert data == {"parameters": [{"name": "x", "low": 0}], "data": "digits"}  # a copy


@pytest.mark.parametrize(
    ("override", "where", "message"),
    [
        ("final.epochs", "--set", "expected PATH=VALUE"),
        ("=3", "--set", "expected PATH=VALUE"),
        ("final..epochs=3", "--set", "expected PATH=VALUE"),
        ("architecture.widths=[16, 32", "architecture.widths", "is not a YAML value"),
        ("name.first=x", "name", "not a mapping"),
        ("parameters.5.low=1", "parameters.5", "not an index of a list of 1 item(s)"),
    ],
)
def test_a_malformed_override_names_itself(override: str, where: str, message: str) -> None:
    with pytest.raises(SpecError) as error:
        apply_overrides({"name": "n", "parameters": [{"low": 0}]}, [override], "spec.yaml")
    ((path, text),) = error.value.problems
    assert path == where and message in text


def test_a_spec_file_takes_the_overrides_before_validation(tmp_path: Path) -> None:
    (tmp_path / "spec.yaml").write_text(CHAIN)
    spec, *_ = _load_run_spec(
        _args(
            str(tmp_path / "spec.yaml"),
            "architecture.training.epochs=2",
            "architecture.widths=[16,32]",
            "final.epochs=1",
        )
    )
    assert spec.architecture.training.epochs == 2
    assert spec.architecture.widths == [16, 32]
    assert spec.final.epochs == 1


def test_a_dataset_target_is_the_spec_data_plus_the_overrides() -> None:
    spec, source, _, name = _load_run_spec(
        _args("digits", "final.epochs=1", "budget.max_trials=2", "budget.time=5m")
    )
    assert (spec.data.dataset, source, name) == ("digits", "digits", "digits")
    assert spec.final.epochs == 1 and spec.budget.max_trials == 2 and spec.budget.time == 300


def test_an_invalid_value_is_a_spec_error_on_its_field(tmp_path: Path) -> None:
    (tmp_path / "spec.yaml").write_text(CHAIN)
    for override, field, fragment in (
        ("architecture.training.epochs=many", "architecture.training.epochs", "'many'"),
        ("final.epochs=0", "final.epochs", "greater than or equal to 1"),
        ("architecture.widthz=[8]", "architecture", "unknown key 'widthz'"),
        ("estimator.tau=0.1", "estimator", "unknown key 'tau'"),  # a training estimator's
    ):
        with pytest.raises(SpecError) as error:
            _load_run_spec(_args(str(tmp_path / "spec.yaml"), override))
        problems = error.value.problems
        assert any(p.startswith(field) and fragment in m for p, m in problems), problems


OLD_CHAIN = CHAIN.replace("architecture:", "space:")


@pytest.mark.parametrize("text", [CHAIN, OLD_CHAIN], ids=["new spec", "old spec"])
@pytest.mark.parametrize(
    "overrides",
    [
        ("architecture.widths=[16,32]", "strategy.name=evolution", "estimator.type=tapas"),
        ("space.widths=[16,32]", "algorithm.name=evolution", "estimator=tapas"),
    ],
    ids=["new paths", "old paths"],
)
def test_old_and_new_paths_override_old_and_new_specs_alike(
    text: str, overrides: tuple[str, ...], tmp_path: Path
) -> None:
    (tmp_path / "spec.yaml").write_text(text)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        spec, *_ = _load_run_spec(_args(str(tmp_path / "spec.yaml"), *overrides))
    assert spec.architecture.widths == [16, 32]
    assert spec.strategy.name == "evolution"
    assert spec.estimator.type == "tapas"
    deprecated = [str(w.message) for w in caught if w.category is NetsynthDeprecationWarning]
    old_spec, old_paths = text is OLD_CHAIN, overrides[0].startswith("space")
    assert any("use architecture:" in m for m in deprecated) == old_spec
    assert any("use --set architecture.widths" in m for m in deprecated) == old_paths
    assert any("use --set estimator.type=tapas" in m for m in deprecated) == old_paths


def test_an_old_estimator_block_path_sets_the_estimator_type() -> None:
    data = {"estimator": {"type": "training", "lde": "memory"}}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = apply_overrides(data, ["tapas.lde=sqlite:///lde.db", "inheritance.epochs=2"])
    assert result["estimator"] == {"type": "inheritance", "lde": "sqlite:///lde.db", "epochs": 2}
    assert any("use --set estimator.epochs" in str(w.message) for w in caught)
