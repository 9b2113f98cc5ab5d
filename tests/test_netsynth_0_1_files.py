"""A storage and an export written by netsynth 0.1 still read, predict and continue.

The fixture (``tests/fixtures/netsynth_0_1``, see its README) was written by netsynth 0.1:
``netsynth.db`` holds the architecture search ``tiny`` (2 trials, the winner retrained and
exported) and the hyperparameter search ``hpo`` (3 trials), both run from specs in the old
spelling; ``export/`` is tiny's exported model, ``predictions.json`` what 0.1 predicted with
it for 16 digits images."""

from __future__ import annotations

import json
import shutil
import warnings
from pathlib import Path

import jsonschema
import numpy as np
import pytest
import yaml

import netsynth
from netsynth.cli import main
from netsynth.deprecation import NetsynthDeprecationWarning
from netsynth.experiment_record import ExperimentState
from netsynth.export import load_model
from netsynth.spec import compile_spec, load_spec, parse_spec
from netsynth.trial_record import TrialState
from tests.conftest import show_schema

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "netsynth_0_1"


@pytest.fixture
def old_storage(tmp_path: Path) -> str:
    """A copy of the 0.1 storage (opening SQLite writes beside the file)."""
    shutil.copy(FIXTURE / "netsynth.db", tmp_path / "netsynth.db")
    return f"sqlite:///{tmp_path / 'netsynth.db'}"


def show_json(name: str, storage: str, capsys: pytest.CaptureFixture[str]) -> dict[str, object]:
    capsys.readouterr()
    assert main(["show", name, "--storage", storage, "--format", "json"]) == 0
    document: dict[str, object] = json.loads(capsys.readouterr().out)
    return document


def test_ls_and_show_read_a_storage_written_by_0_1(
    old_storage: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["ls", "--storage", old_storage, "--format", "json"]) == 0
    listed = {e["name"]: e for e in json.loads(capsys.readouterr().out)}
    assert {name: e["state"] for name, e in listed.items()} == {
        "tiny": "COMPLETED",
        "hpo": "COMPLETED",
    }
    tiny = show_json("tiny", old_storage, capsys)
    jsonschema.validate(tiny, show_schema())
    assert len(tiny["trials"]) == 2  # type: ignore[arg-type]
    (final,) = tiny["final_models"]  # type: ignore[misc]
    assert final["exported"] and final["trial"] == tiny["winner"]
    hpo = show_json("hpo", old_storage, capsys)
    jsonschema.validate(hpo, show_schema())
    rows = hpo["trials"]
    assert [row["state"] for row in rows] == ["COMPLETE"] * 3  # type: ignore[attr-defined]


def test_the_python_api_reads_a_storage_written_by_0_1(old_storage: str) -> None:
    tiny = netsynth.load_experiment("tiny", storage=old_storage)
    assert tiny.state is ExperimentState.COMPLETED
    assert len(tiny.trials()) == 2
    assert all("genotype" in t.attrs for t in tiny.trials())
    hpo = netsynth.load_experiment("hpo", storage=old_storage)
    assert [t.state for t in hpo.trials()] == [TrialState.COMPLETE] * 3
    assert all([r.step for r in t.reports] == [0, 1] for t in hpo.trials())
    best = hpo.best_trial
    assert best is not None and best.value == pytest.approx((best.params["x"] - 1.0) ** 2)
    assert hpo.space is not None and list(hpo.space) == ["x"]  # the flat space, as stored


@pytest.mark.parametrize("name", ["tiny", "hpo"])
def test_the_current_spelling_continues_an_experiment_written_by_0_1(
    name: str, old_storage: str
) -> None:
    """The respelled spec describes the same search, so it joins the stored experiment."""
    old_text = (FIXTURE / f"{name}.yaml").read_text()
    new_text = old_text.replace("space:", "architecture:").replace("algorithm:", "strategy:")
    spec = parse_spec(yaml.safe_load(new_text), f"{name}.yaml", FIXTURE)
    compiled = compile_spec(spec, source=f"{name}.yaml", base_dir=FIXTURE, storage=old_storage)
    stored = netsynth.load_experiment(name, storage=old_storage)
    assert compiled.experiment.id == stored.id
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        old_spec = load_spec(FIXTURE / f"{name}.yaml")
    assert old_spec == spec
    deprecated = [str(w.message) for w in caught if w.category is NetsynthDeprecationWarning]
    # tiny says space:; hpo's parameters: and algorithm: (Katib's alias) are current
    assert deprecated == (
        ["space: is deprecated, use architecture: (the old spelling is removed in netsynth 0.3)"]
        if name == "tiny"
        else []
    )


def test_admin_reap_works_on_a_storage_written_by_0_1(
    old_storage: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["admin", "reap", "tiny", "--storage", old_storage]) == 0
    assert "0 trial(s) of tiny failed as lost" in capsys.readouterr().out


def test_an_export_written_by_0_1_loads_and_predicts_as_it_did() -> None:
    expected = json.loads((FIXTURE / "predictions.json").read_text())
    x = np.asarray(expected["x"], dtype=np.float32)
    model = load_model(FIXTURE / "export")
    np.testing.assert_allclose(model.predict_proba(x), expected["proba"], atol=1e-5)
    assert model.predict(x).tolist() == expected["classes"]
    import onnxruntime

    session = onnxruntime.InferenceSession(
        str(FIXTURE / "export" / "model.onnx"), providers=["CPUExecutionProvider"]
    )
    (logits,) = session.run(None, {session.get_inputs()[0].name: x})
    assert np.argmax(logits, axis=1).tolist() == expected["classes"]
