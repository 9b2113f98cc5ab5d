"""Every example spec in examples/ passes validation, and the multi-fidelity and inheritance
examples compile to what they say."""

from __future__ import annotations

from pathlib import Path

import pytest

from netsynth.spec import check_spec, load_spec

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*.yaml")), ids=lambda p: p.name)
def test_example_spec_is_valid(path: Path) -> None:
    check_spec(load_spec(path), str(path), path.parent)


def test_bohb_example_pairs_bohb_with_hyperband() -> None:
    spec = load_spec(EXAMPLES / "nb201-bohb.yaml")
    assert spec.strategy.name == "bohb" and spec.scheduler.name == "hyperband"


def test_inheritance_example_compiles_to_an_inheriting_estimator(tmp_path: Path) -> None:
    from netsynth.spec.compile import compile_spec

    path = EXAMPLES / "mnist1d-inherit.yaml"
    compiled = compile_spec(
        load_spec(path),
        source=str(path),
        base_dir=path.parent,
        storage=f"sqlite:///{tmp_path / 'netsynth.db'}",
    )
    assert compiled.estimator.inherit_epochs == 2  # type: ignore[attr-defined]
