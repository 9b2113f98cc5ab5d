"""The default search for a dataset (``space: auto``, or no ``space`` at all): the space, its
first candidates, the strategy, the scheduler and the lower fidelity of the search, chosen
from the data's kind, shape and size and the time limit.

What it chooses, and why:

- **The space** is a union of standard architectures from the zoo (ResNets for images and
  sequences, MLPs for tables) and synthesized chains, so known designs and new ones meet on
  one leaderboard. Chains on images and long sequences downsample early: no convolution wider
  than 32 channels runs while the map is larger than 16x16 (64 channels once the limit is 30
  minutes or more), because a wide layer at full resolution costs as much as a whole small
  network (see ``netsynth.nn.repair``).
- **The first candidates are known baselines**: for images a 5-convolution BN-CNN (two widths)
  and a ResNet-8; for sequences a 1-D BN-CNN and a ResNet-8; for tables an MLP and a two-layer
  dense chain. A decent model exists after the first few trials; the search then tries to
  beat them. Image baselines train with random left-right flips when a quick measurement on
  the data says mirrored images keep their labels (Fashion-MNIST yes, digits no); the search
  may still turn flips on or off for any candidate.
- **The strategy** is regularized evolution (a small population, so mutation starts early),
  and **the scheduler** ASHA over epochs (rungs of 1, 3 and 9 epochs): cheap first judgements,
  full training only for the promising. This is a provisional default; it is the combination
  that works on any of these spaces without a model of them.
- **A lower fidelity for the search**: when the training split is large, search trials train
  on a seeded share of it (about 10,000 samples for a 15-minute limit, more for longer ones),
  and images larger than 64x64 at half resolution; the winner is retrained at full fidelity
  on all the data. On two CPU cores a search over all of a 60,000-image dataset would train a
  handful of candidates; subsets rank candidates well enough at a fraction of the cost.
- **The final stage** retrains the single best candidate for as long as its share of the time
  allows (up to 100 epochs), so the delivered network gets most of the training.

>>> plan = auto_plan(DataSummary("image", (1, 28, 28), 48_000, 10), time_limit=900)
>>> plan.space["type"], [m["type"] for m in plan.space["of"]]
('union', ['zoo', 'chain'])
>>> plan.fidelity
{'data_fraction': 0.2083}
>>> len(plan.baselines), plan.strategy["name"], plan.scheduler["name"]
(3, 'evolution', 'asha')
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from netsynth.space.chain_genotype import ChainGenotype, Layer
from netsynth.space.distributions import ParamValue
from netsynth.space.genotype import Genotype
from netsynth.space.union_space import UnionSpace, UnionSpaceConfig
from netsynth.space.zoo_genotype import ZooGenotype
from netsynth.training_config import TrainingConfig

SEARCH_EPOCHS = 9  # full fidelity of a search trial (ASHA's top rung)
SMALL_DATA = 2_000  # below this many training samples, epochs are cheap: search longer ones
SEARCH_SAMPLES_AT_15_MIN = 10_000  # search trials' training subset for a 15-minute limit
MIN_SEARCH_SAMPLES = 4_000
LARGE_IMAGE = 64  # images with a side above this are searched at half resolution
FINAL_EPOCHS = 100  # the final retraining's cap; the time limit usually ends it first


@dataclass(frozen=True)
class DataSummary:
    """What the defaults are chosen from: the data's kind, one sample's shape, how many
    samples train (after the validation and test splits) and the number of classes."""

    kind: str  # image | sequence | tabular
    input_shape: tuple[int, ...]
    train_samples: int
    num_classes: int
    mirror_keeps_labels: bool = False  # images: left-right flips keep labels (measured)


@dataclass(frozen=True)
class AutoPlan:
    """The choices, as the config each component is built from."""

    space: dict[str, Any]
    baselines: list[dict[str, ParamValue]]  # flat params of the space's first candidates
    strategy: dict[str, Any]
    scheduler: dict[str, Any]
    fidelity: dict[str, float]  # every search trial's lower fidelity (empty: full)
    final: dict[str, Any]
    notes: list[str] = field(default_factory=list)  # what was chosen, for the user

    def describe(self) -> str:
        return "; ".join(self.notes)


def _training(kind: str, epochs: int) -> dict[str, Any]:
    """The training hyperparameters searched with every architecture (left-right flips for
    images: they help photos of objects and hurt digits, so the search decides)."""
    return {
        "optimizer": "adamw",
        "lr": {"low": 1e-3, "high": 1e-2, "log": True},
        "batch_size": 128,
        "weight_decay": {"low": 5e-5, "high": 5e-3, "log": True},
        "epochs": epochs,
        "augment": {"low": 0.0, "high": 0.5 if kind != "tabular" else 0.3},
        "label_smoothing": [0.0, 0.1],
        "schedule": "onecycle",
        "flip": [False, True] if kind == "image" else False,
    }


def _baseline_training(epochs: int, flip: bool) -> TrainingConfig:
    """The recipe the baselines start with (inside the searched ranges); ``flip`` where the
    data was measured to keep its labels under mirroring (``netsynth.data.mirror_check``)."""
    return TrainingConfig(
        optimizer="adamw",
        lr=3e-3,
        batch_size=128,
        weight_decay=5e-4,
        epochs=epochs,
        augment=0.25,
        label_smoothing=0.1,
        flip=flip,
    )


def _conv(width: int, kernel: int = 3) -> Layer:
    return Layer("conv", width, kernel, activation="relu", norm="batch")


def bn_cnn(width: int, kernel: int = 3) -> ChainGenotype:
    """conv(w) conv(w) maxpool conv(2w) conv(2w) maxpool conv(4w), each with batch norm and
    ReLU, then global average pooling and a linear classifier: a plain, strong small CNN."""
    pool = Layer("maxpool", kernel=2)
    return ChainGenotype(
        (
            _conv(width, kernel),
            _conv(width, kernel),
            pool,
            _conv(2 * width, kernel),
            _conv(2 * width, kernel),
            pool,
            _conv(4 * width, kernel),
        )
    )


def _spaces(summary: DataSummary, epochs: int, time_limit: float) -> dict[str, Any]:
    kind = summary.kind
    zoo: dict[str, Any]
    if kind == "tabular":
        zoo = {"type": "zoo", "families": ["mlp"], "variants": {"mlp": ["1x256", "2x256", "3x256"]}}
        chain: dict[str, Any] = {
            "type": "chain",
            "min_layers": 1,
            "max_layers": 4,
            "ops": ["dense"],
            "widths": [64, 128, 256, 512],
            "activations": ["relu", "gelu", "silu"],
            "norms": ["batch", "none"],
            "dropouts": [0.0, 0.1, 0.3],
        }
    else:
        zoo = {
            "type": "zoo",
            "families": ["resnet"],
            "variants": {"resnet": ["8", "14", "20"]},
            "width_multipliers": [0.5, 1.0],
            "depth_multipliers": [1.0],
            "se": [False],
        }
        chain = {
            "type": "chain",
            "min_layers": 3,
            "max_layers": 8,
            "ops": ["conv", "sepconv", "maxpool"],
            "kernels": [3, 5] if kind == "image" else [3, 5, 7],
            "widths": [16, 32, 48, 64, 96, 128],
            "activations": ["relu", "gelu", "silu"],
            "norms": ["batch"],
            "dropouts": [0.0, 0.1],
            "full_resolution_width": 64 if time_limit >= 1800 else 32,
        }
    return {"type": "union", "of": [zoo, chain], "training": _training(kind, epochs)}


def _baselines(summary: DataSummary, epochs: int) -> list[tuple[str, Genotype]]:
    if summary.kind == "tabular":
        dense = ChainGenotype(
            (
                Layer("dense", 256, activation="relu", norm="batch", dropout=0.1),
                Layer("dense", 128, activation="relu", norm="batch", dropout=0.1),
            )
        )
        return [("MLP 2x256", ZooGenotype("mlp", "2x256")), ("dense 256-128", dense)]
    if summary.kind == "sequence":
        return [
            ("1-D BN-CNN w32", bn_cnn(32, kernel=5)),
            ("ResNet-8", ZooGenotype("resnet", "8")),
        ]
    return [
        ("BN-CNN w16", bn_cnn(16)),
        ("BN-CNN w32", bn_cnn(32)),
        ("ResNet-8", ZooGenotype("resnet", "8")),
    ]


def search_samples(time_limit: float) -> int:
    """How many training samples a search trial uses at most, growing with the limit."""
    return max(MIN_SEARCH_SAMPLES, round(SEARCH_SAMPLES_AT_15_MIN * math.sqrt(time_limit / 900)))


def auto_plan(summary: DataSummary, time_limit: float) -> AutoPlan:
    """The default search for data like ``summary`` within ``time_limit`` seconds."""
    small = summary.train_samples < SMALL_DATA
    epochs = SEARCH_EPOCHS * (3 if small else 1)
    space = _spaces(summary, epochs, time_limit)
    union = UnionSpace(UnionSpaceConfig.model_validate(space))
    named = _baselines(summary, epochs)
    training = _baseline_training(epochs, summary.kind == "image" and summary.mirror_keeps_labels)
    baselines = [union.params_of(genotype, training) for _, genotype in named]
    notes = [
        f"{summary.kind} data {tuple(summary.input_shape)}, {summary.train_samples} training "
        f"samples: a union of {space['of'][0]['families'][0]} (zoo) and chain networks",
        "first candidates: " + ", ".join(name for name, _ in named),
    ]
    fidelity: dict[str, float] = {}
    subset = search_samples(time_limit)
    if summary.train_samples > subset:
        fidelity["data_fraction"] = round(subset / summary.train_samples, 4)
        notes.append(f"search trials train on {subset} of the {summary.train_samples} samples")
    if summary.kind == "image" and min(summary.input_shape[1:]) > LARGE_IMAGE:
        fidelity["resolution"] = 0.5
        notes.append("search trials see the images at half resolution")
    rungs = (epochs // 9, epochs // 3, epochs)
    notes.append(
        f"regularized evolution with ASHA over {'/'.join(map(str, rungs))} epochs; the winner "
        "is retrained on all the data for the final share of the time"
    )
    return AutoPlan(
        space=space,
        baselines=baselines,
        strategy={"name": "evolution", "population": 8, "sample_size": 3, "initial": baselines},
        scheduler={
            "name": "asha",
            "resource": "epochs",
            "max_resource": epochs,
            "min_resource": rungs[0],
            "reduction_factor": 3,
        },
        fidelity=fidelity,
        final={"top_k": 1, "epochs": FINAL_EPOCHS},
        notes=notes,
    )
