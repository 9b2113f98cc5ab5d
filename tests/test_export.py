"""Exported models predict what the trained model predicts: through the safetensors weights,
through ONNX, and through the predict.py in the folder; loading never unpickles, and folders
that are not (or not yet) readable exports fail with an ExportError."""

from __future__ import annotations

import json
import os
import pickle
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

import numpy as np
import pytest
import torch
from torch import nn

from netsynth.data import Dataset, make_splits
from netsynth.estimation.train_loop import TensorSplit, train
from netsynth.export import (
    FORMAT_VERSION,
    ExportError,
    ExportReport,
    NormalizedModel,
    export_model,
    load_model,
)
from netsynth.nn import build
from netsynth.space.chain_genotype import ChainGenotype, Layer
from netsynth.training_config import TrainingConfig

REPO = Path(__file__).resolve().parents[1]
NAMES = ["low", "mid", "high"]
FILES = {"model.safetensors", "genotype.json", "model.json", "model.onnx", "predict.py"}


# Tiny nets train far faster on one thread than on two (thread overhead dominates).
pytestmark = pytest.mark.usefixtures("one_torch_thread")


@dataclass
class Trained:
    network: nn.Module
    genotype: ChainGenotype
    kind: str
    input_shape: tuple[int, ...]
    num_classes: int
    mean: np.ndarray
    std: np.ndarray
    raw: np.ndarray  # raw (unnormalized) inputs


SPATIAL = ChainGenotype(
    (
        Layer("conv", width=8, kernel=3, norm="batch"),
        Layer("maxpool", kernel=2),
        Layer("sepconv", width=8, kernel=3, norm="layer", activation="gelu", dropout=0.1),
        Layer("dense", width=8, norm="batch"),
    )
)
TABULAR = ChainGenotype(
    (Layer("dense", width=16, norm="batch", dropout=0.1), Layer("dense", width=8, norm="layer"))
)
KINDS = {
    "sequence": (SPATIAL, (2, 24)),
    "image": (SPATIAL, (3, 8, 8)),
    "tabular": (TABULAR, (13,)),
}


def trained(kind: str) -> Trained:
    """A net trained for a few steps on raw data far from zero mean and unit scale, so that
    both the normalization and the batch norm statistics matter."""
    genotype, shape = KINDS[kind]
    rng = np.random.default_rng(0)
    y = np.arange(120) % 3
    x = rng.normal(size=(120, *shape)) * 4.0 + 10.0
    x += y.reshape(-1, *([1] * len(shape))) * 6.0
    dataset = Dataset("toy", kind, x.astype(np.float32), y, num_classes=3)
    splits = make_splits(dataset, seed=0)
    torch.manual_seed(0)
    network = build(genotype, shape, 3)
    train(
        network,
        TensorSplit(torch.as_tensor(splits.train.x), torch.as_tensor(splits.train.y)),
        None,
        TrainingConfig(lr=0.03, batch_size=16, epochs=10),
    )
    return Trained(network, genotype, kind, shape, 3, splits.mean, splits.std, dataset.x)


def export(model: Trained, folder: Path, **kwargs: Any) -> ExportReport:
    return export_model(
        model.network,
        model.genotype,
        folder,
        input_shape=model.input_shape,
        num_classes=model.num_classes,
        mean=model.mean,
        std=model.std,
        sample=model.raw,
        **kwargs,
    )


@pytest.fixture(scope="module", params=list(KINDS))
def exported(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Trained, ExportReport]:
    model = trained(request.param)
    folder = tmp_path_factory.mktemp(f"export-{request.param}") / "model"
    # class names for one kind, so that predict.py prints both names and indices
    names = NAMES if request.param == "tabular" else None
    return model, export(model, folder, metadata={"val_acc": 0.5}, class_names=names)


def test_batch_norm_statistics_are_not_trivial() -> None:
    model = trained("image")
    norms = [m for m in model.network.modules() if isinstance(m, nn.BatchNorm2d)]
    assert norms
    variance, mean = norms[0].running_var, norms[0].running_mean
    assert variance is not None and mean is not None
    assert not torch.allclose(variance, torch.ones_like(variance))
    assert not torch.allclose(mean, torch.zeros_like(mean))


def test_export_matches_the_trained_model_within_tolerance(
    exported: tuple[Trained, ExportReport],
) -> None:
    _, report = exported
    assert report.max_abs_diff_weights <= 1e-4
    assert report.max_abs_diff_onnx <= 1e-4
    assert set(report.files) == FILES


def test_export_folder_holds_the_listed_files(exported: tuple[Trained, ExportReport]) -> None:
    model, report = exported
    assert {p.name for p in report.folder.iterdir()} >= FILES
    description = json.loads((report.folder / "model.json").read_text())
    assert description["input_shape"] == list(model.input_shape)
    assert description["num_classes"] == 3
    assert description["metadata"] == {"val_acc": 0.5}
    assert set(description["files"]) == FILES
    genotype = json.loads((report.folder / "genotype.json").read_text())
    assert ChainGenotype.from_dict(genotype) == model.genotype


def test_loaded_model_predicts_like_the_trained_one(
    exported: tuple[Trained, ExportReport],
) -> None:
    model, report = exported
    loaded = load_model(report.folder)
    reference = NormalizedModel(model.network, model.mean, model.std).eval()
    expected = reference.predict(model.raw)
    assert np.array_equal(loaded.predict(model.raw), expected)
    assert len(set(expected.tolist())) > 1  # not a constant prediction
    np.testing.assert_allclose(
        loaded.predict_proba(model.raw), reference.predict_proba(model.raw), atol=1e-5
    )
    assert loaded.input_shape == model.input_shape
    assert loaded.genotype == model.genotype
    assert loaded.class_names == (NAMES if model.kind == "tabular" else None)


def test_normalization_is_part_of_the_exported_model(
    exported: tuple[Trained, ExportReport],
) -> None:
    model, report = exported
    loaded = load_model(report.folder)
    x = torch.as_tensor(model.raw[:16])
    normalized = (x - torch.as_tensor(model.mean)) / torch.as_tensor(model.std)
    with torch.no_grad():
        torch.testing.assert_close(loaded(x), model.network.eval()(normalized))


def test_onnx_file_predicts_like_the_trained_model(
    exported: tuple[Trained, ExportReport],
) -> None:
    import onnxruntime

    model, report = exported
    session = onnxruntime.InferenceSession(
        str(report.folder / "model.onnx"), providers=["CPUExecutionProvider"]
    )
    reference = NormalizedModel(model.network, model.mean, model.std).eval()
    for n in (1, 7):  # batch sizes other than the one exported with
        (logits,) = session.run(["logits"], {"x": model.raw[:n]})
        with torch.no_grad():
            expected = reference(torch.as_tensor(model.raw[:n])).numpy()
        np.testing.assert_allclose(logits, expected, atol=1e-4)


def run_predict(folder: Path, x: np.ndarray, tmp_path: Path) -> list[str]:
    inputs = tmp_path / "inputs.npz"
    np.savez(inputs, x=x)
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), env.get("PYTHONPATH", "")])
    result = subprocess.run(
        [sys.executable, "predict.py", str(inputs)],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.splitlines()


def test_predict_script_prints_one_class_per_input(
    exported: tuple[Trained, ExportReport], tmp_path: Path
) -> None:
    model, report = exported
    x = model.raw[:25]
    lines = run_predict(report.folder, x, tmp_path)
    assert len(lines) == 25
    labels = load_model(report.folder).predict(x)
    if model.kind == "tabular":
        assert lines == [NAMES[label] for label in labels]
    else:
        assert lines == [str(label) for label in labels]


def test_loading_never_unpickles(
    exported: tuple[Trained, ExportReport], monkeypatch: pytest.MonkeyPatch
) -> None:
    model, report = exported

    def refuse(*args: Any, **kwargs: Any) -> NoReturn:
        raise AssertionError("load_model unpickled something")

    monkeypatch.setattr(pickle, "loads", refuse)
    monkeypatch.setattr(pickle, "load", refuse)
    monkeypatch.setattr(pickle, "Unpickler", refuse)
    monkeypatch.setattr(torch, "load", refuse)
    loaded = load_model(report.folder)
    reference = NormalizedModel(model.network, model.mean, model.std).eval()
    assert np.array_equal(loaded.predict(model.raw), reference.predict(model.raw))


@pytest.fixture(scope="module")
def tabular_export(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("export-base") / "model"
    export(trained("tabular"), folder)
    return folder


def copy_with(source: Path, target: Path, **changes: Any) -> Path:
    """A copy of an export folder with top-level keys of model.json changed."""
    target.mkdir()
    for path in source.iterdir():
        (target / path.name).write_bytes(path.read_bytes())
    description = json.loads((source / "model.json").read_text())
    description.update(changes)
    (target / "model.json").write_text(json.dumps(description))
    return target


def test_folder_without_model_json_raises_export_error(
    tabular_export: Path, tmp_path: Path
) -> None:
    folder = copy_with(tabular_export, tmp_path / "copy")
    (folder / "model.json").unlink()
    with pytest.raises(ExportError, match="is not a netsynth export"):
        load_model(folder)
    with pytest.raises(ExportError, match="is not a netsynth export"):
        load_model(tmp_path / "missing")


def test_model_json_that_is_not_json_raises_export_error(
    tabular_export: Path, tmp_path: Path
) -> None:
    folder = copy_with(tabular_export, tmp_path / "copy")
    (folder / "model.json").write_text("{not json")
    with pytest.raises(ExportError, match="is not a netsynth export"):
        load_model(folder)


def test_wrong_format_raises_export_error(tabular_export: Path, tmp_path: Path) -> None:
    folder = copy_with(tabular_export, tmp_path / "copy", format="some-other-model")
    with pytest.raises(ExportError, match="is not a netsynth-model description"):
        load_model(folder)


def test_newer_version_raises_export_error(tabular_export: Path, tmp_path: Path) -> None:
    folder = copy_with(tabular_export, tmp_path / "copy", version=FORMAT_VERSION + 1)
    with pytest.raises(ExportError, match="exported by a newer netsynth"):
        load_model(folder)
    same = copy_with(tabular_export, tmp_path / "same", version=FORMAT_VERSION)
    load_model(same)


def test_export_error_is_raised_when_the_check_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import netsynth.export as export_module

    monkeypatch.setattr(export_module, "_onnx_difference", lambda *args: 1.0)
    with pytest.raises(ExportError, match="differs from the trained one"):
        export(trained("tabular"), tmp_path / "bad")


def test_a_mirrored_export_predicts_the_average_over_the_mirror_image(tmp_path: Path) -> None:
    model = trained("image")
    report = export(model, tmp_path / "mirrored", mirror=True)  # checks ONNX and weights too
    description = json.loads((report.folder / "model.json").read_text())
    assert description["test_time_mirror"] is True and description["version"] == 2
    loaded = load_model(report.folder)
    x = model.raw[:16]
    plain = NormalizedModel(model.network, model.mean, model.std).eval()
    expected = (plain.predict_proba(x) + plain.predict_proba(x[..., ::-1].copy())) / 2
    np.testing.assert_allclose(loaded.predict_proba(x), expected, atol=1e-5)
    import onnxruntime

    session = onnxruntime.InferenceSession(
        str(report.folder / "model.onnx"), providers=["CPUExecutionProvider"]
    )
    (logits,) = session.run(["logits"], {"x": x.astype(np.float32)})
    np.testing.assert_allclose(torch.softmax(torch.as_tensor(logits), 1), expected, atol=1e-5)


def test_an_export_without_mirroring_stays_format_version_1(tmp_path: Path) -> None:
    report = export(trained("image"), tmp_path / "plain")
    description = json.loads((report.folder / "model.json").read_text())
    assert description["test_time_mirror"] is False and description["version"] == 1
    assert load_model(report.folder).mirror is False
