"""Export a trained model, and load it back without netsynth's search machinery.

An export folder holds:

    model.safetensors   the weights (loading never unpickles anything)
    genotype.json       the architecture, as plain data
    model.json          input shape, classes, normalization, test-time mirroring, metrics,
                        file list
    model.onnx          the same network with its input normalization, for any ONNX runtime
    predict.py          a small loader: python predict.py data.npz

Every export is checked by reloading both the weights and the ONNX file and comparing their
outputs with the in-memory model on real inputs (max abs difference <= 1e-4).

A model whose training used left-right flips predicts with test-time mirroring (see
``netsynth.nn.mirror_average``): the averaged prediction is part of the exported forward pass,
ONNX included, and ``model.json`` says ``"test_time_mirror": true``. Such an export has format
version 2, so a netsynth that does not know the averaging refuses it instead of predicting
without it; every other export stays version 1.

>>> model = load_model("netsynth-models/quickstart/model")  # doctest: +SKIP
>>> model.predict(x)                                          # doctest: +SKIP
"""

from __future__ import annotations

import json
import textwrap
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import torch
from safetensors.torch import load_file, save_file
from torch import nn

from netsynth.nn.build import build
from netsynth.nn.mirror_average import mirror_averaged_logits
from netsynth.space.genotype import Genotype
from netsynth.space.space_kinds import genotype_from_dict

FORMAT = "netsynth-model"
FORMAT_VERSION = 2  # the newest version this netsynth reads and writes (2: test-time mirroring)
TOLERANCE = 1e-4


class ExportError(RuntimeError):
    """An export that failed its check, or a folder that is not a netsynth export."""


class NormalizedModel(nn.Module):
    """The network with the training data's normalization in front: raw inputs in, logits out
    (with ``mirror``, the log of the probabilities averaged over the input and its mirror
    image)."""

    mean: torch.Tensor
    std: torch.Tensor

    def __init__(
        self, network: nn.Module, mean: np.ndarray, std: np.ndarray, *, mirror: bool = False
    ) -> None:
        super().__init__()
        self.network = network
        self.mirror = mirror
        self.register_buffer("mean", torch.as_tensor(np.asarray(mean, dtype=np.float32)))
        self.register_buffer("std", torch.as_tensor(np.asarray(std, dtype=np.float32)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        normalized = (x - self.mean) / self.std
        if self.mirror:
            return mirror_averaged_logits(self.network, normalized)
        out: torch.Tensor = self.network(normalized)
        return out

    @torch.no_grad()
    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        """Class probabilities for raw inputs of shape (N, *input_shape)."""
        self.eval()
        logits = self(torch.as_tensor(np.asarray(x, dtype=np.float32)))
        return torch.softmax(logits, dim=1).numpy()

    def predict(self, x: np.ndarray) -> np.ndarray:
        """Class indices for raw inputs of shape (N, *input_shape)."""
        return self.predict_proba(x).argmax(axis=1)


@dataclass(frozen=True)
class ExportReport:
    folder: Path
    files: tuple[str, ...]
    max_abs_diff_weights: float
    max_abs_diff_onnx: float


_PREDICT_PY = '''\
"""Predict with the exported netsynth model in this folder.

    python predict.py inputs.npz        # an array "x" of shape (N, *input_shape), raw values
prints one class per line. In Python: ``from netsynth.export import load_model``.
"""

import sys
from pathlib import Path

import numpy as np

from netsynth.export import load_model

model = load_model(Path(__file__).parent)
x = np.load(sys.argv[1])["x"]
names = model.class_names
for label in model.predict(x):
    print(names[label] if names else label)
'''


def export_model(
    network: nn.Module,
    genotype: Genotype,
    folder: str | Path,
    *,
    input_shape: Sequence[int],
    num_classes: int,
    mean: np.ndarray,
    std: np.ndarray,
    sample: np.ndarray,
    class_names: Sequence[str] | None = None,
    metadata: dict[str, Any] | None = None,
    mirror: bool = False,
) -> ExportReport:
    """Write ``network`` (trained on data normalized by ``mean``/``std``) to ``folder`` and
    check the written files against it on ``sample`` (raw inputs). ``mirror``: predict with
    test-time mirroring (``netsynth.nn.mirror_average``)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    model = NormalizedModel(network.cpu().float(), mean, std, mirror=mirror).eval()
    weights = {k: v.detach().contiguous() for k, v in model.network.state_dict().items()}
    save_file(weights, str(folder / "model.safetensors"), metadata={"format": FORMAT})
    (folder / "genotype.json").write_text(json.dumps(genotype.to_dict(), indent=2))
    description: dict[str, Any] = {
        "format": FORMAT,
        "version": FORMAT_VERSION if mirror else 1,
        "genotype": genotype.to_dict(),
        "input_shape": list(input_shape),
        "num_classes": num_classes,
        "normalization": {
            "mean": np.asarray(mean, dtype=np.float32).tolist(),
            "std": np.asarray(std, dtype=np.float32).tolist(),
        },
        "class_names": list(class_names) if class_names else None,
        "test_time_mirror": mirror,
        "metadata": metadata or {},
        "files": ["model.safetensors", "genotype.json", "model.json", "model.onnx", "predict.py"],
    }
    (folder / "model.json").write_text(json.dumps(description, indent=2, allow_nan=True))
    x = torch.as_tensor(np.asarray(sample[:64], dtype=np.float32))
    with warnings.catch_warnings():
        # The TorchScript exporter is deprecated in favour of torch.export, which needs the
        # extra onnxscript package and takes seconds per model; this one takes milliseconds,
        # and the check below proves what it wrote.
        warnings.simplefilter("ignore")
        torch.onnx.export(
            model,
            (x,),
            str(folder / "model.onnx"),
            input_names=["x"],
            output_names=["logits"],
            dynamic_axes={"x": {0: "batch"}, "logits": {0: "batch"}},
            dynamo=False,
        )
    (folder / "predict.py").write_text(textwrap.dedent(_PREDICT_PY))
    with torch.no_grad():
        expected = model(x).numpy()
    reloaded = load_model(folder)
    with torch.no_grad():
        diff_weights = float(np.abs(reloaded(x).numpy() - expected).max())
    diff_onnx = _onnx_difference(folder / "model.onnx", x.numpy(), expected)
    if max(diff_weights, diff_onnx) > TOLERANCE:
        raise ExportError(
            f"exported model differs from the trained one: max abs difference "
            f"{diff_weights:.2e} (weights), {diff_onnx:.2e} (ONNX) > {TOLERANCE}"
        )
    return ExportReport(folder, tuple(description["files"]), diff_weights, diff_onnx)


def _onnx_difference(path: Path, x: np.ndarray, expected: np.ndarray) -> float:
    import onnxruntime

    session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    (logits,) = session.run(["logits"], {"x": x})
    return float(np.abs(np.asarray(logits) - expected).max())


class LoadedModel(NormalizedModel):
    input_shape: tuple[int, ...]
    class_names: list[str] | None
    genotype: Genotype


def architecture_only(genotype: Genotype) -> Genotype:
    """``genotype`` without the weights file a zoo candidate started from: an export holds
    the trained weights, so it rebuilds where that file is absent (genotype.json keeps it)."""
    from netsynth.space.zoo_genotype import ZooGenotype

    if isinstance(genotype, ZooGenotype) and genotype.weights is not None:
        return replace(genotype, weights=None)
    return genotype


def load_model(folder: str | Path) -> LoadedModel:
    """Load an export folder: the architecture from JSON, the weights from safetensors."""
    folder = Path(folder)
    try:
        description = json.loads((folder / "model.json").read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise ExportError(f"{folder} is not a netsynth export (model.json: {exc})") from None
    if description.get("format") != FORMAT:
        raise ExportError(f"{folder}/model.json is not a {FORMAT} description")
    if description.get("version", 0) > FORMAT_VERSION:
        raise ExportError(f"{folder} was exported by a newer netsynth; upgrade to load it")
    genotype = genotype_from_dict(description["genotype"])
    network = build(
        architecture_only(genotype), description["input_shape"], description["num_classes"]
    )
    network.load_state_dict(load_file(str(folder / "model.safetensors")))
    norm = description["normalization"]
    mirror = bool(description.get("test_time_mirror", False))
    model = LoadedModel(
        network, np.asarray(norm["mean"]), np.asarray(norm["std"]), mirror=mirror
    ).eval()
    model.input_shape = tuple(description["input_shape"])
    model.class_names = description.get("class_names")
    model.genotype = genotype
    return model
