"""``netsynth run --set PATH=VALUE``: dotted paths into the spec, YAML values, and the spec
validated as a whole afterwards (a bad override reads as a bad spec)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import pytest

from netsynth.cli import _load_run_spec
from netsynth.spec import SpecError
from netsynth.spec.overrides import apply_overrides

CHAIN = """
name: chain
data: digits
space:
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
            "space.widths=[16, 32]",
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
        "space": {"widths": [16, 32]},
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
        ("space.widths=[16, 32", "space.widths", "is not a YAML value"),
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
            "space.training.epochs=2",
            "space.widths=[16,32]",
            "final.epochs=1",
        )
    )
    assert spec.space.training.epochs == 2
    assert spec.space.widths == [16, 32]
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
        ("space.training.epochs=many", "space.training.epochs", "'many'"),
        ("final.epochs=0", "final.epochs", "greater than or equal to 1"),
        ("space.widthz=[8]", "space", "unknown key 'widthz'"),
    ):
        with pytest.raises(SpecError) as error:
            _load_run_spec(_args(str(tmp_path / "spec.yaml"), override))
        problems = error.value.problems
        assert any(p.startswith(field) and fragment in m for p, m in problems), problems
