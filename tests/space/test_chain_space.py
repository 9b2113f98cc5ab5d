"""The chain space: every sample decodes, repairs, builds and trains for every input kind; the
genotype round-trips through JSON with a stable hash; the flat view's conditions hold; fixed
settings stay out of the flat view; bad configurations fail on validation."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pytest
import torch
from pydantic import ValidationError

from netsynth.nn import build, repair
from netsynth.space.chain_genotype import ChainGenotype
from netsynth.space.chain_space import ChainSpace, ChainSpaceConfig, Range, TrainingSpaceConfig

INPUT_SHAPES = {
    "sequence": (1, 40),
    "image-gray": (1, 8, 8),
    "image-rgb": (3, 12, 12),
    "tabular": (13,),
}
NUM_CLASSES = 3
SAMPLES = 300

# Every op, activation, norm and pool, but small widths so that hundreds of nets stay cheap.
SMALL = ChainSpaceConfig(
    min_layers=0,
    max_layers=6,
    ops=["conv", "sepconv", "maxpool", "avgpool", "dense"],
    kernels=[1, 3, 5],
    widths=[4, 8],
    activations=["relu", "gelu", "silu", "elu", "tanh"],
    norms=["none", "batch", "layer"],
    dropouts=[0.0, 0.25],
    global_pools=["avg", "max"],
)
WEIGHTED = ("conv", "sepconv", "dense")
KERNELED = ("conv", "sepconv")


# Tiny nets train far faster on one thread than on two (thread overhead dominates).
pytestmark = pytest.mark.usefixtures("one_torch_thread")


def samples(space: ChainSpace, seed: int, n: int = SAMPLES) -> list[dict[str, Any]]:
    rng = np.random.default_rng(seed)
    return [space.flat().sample(rng) for _ in range(n)]


@pytest.mark.parametrize("kind", list(INPUT_SHAPES))
def test_every_sample_decodes_repairs_builds_and_trains(kind: str) -> None:
    shape = INPUT_SHAPES[kind]
    space = ChainSpace(SMALL)
    torch.manual_seed(0)
    for params in samples(space, seed=sorted(INPUT_SHAPES).index(kind)):
        genotype, training = space.decode(params)
        assert len(genotype.layers) == params["layers"]
        assert training.lr == params["lr"]
        assert training.batch_size == params["batch_size"]
        assert training.optimizer == params["optimizer"]
        fixed = repair(genotype, shape)
        net = build(fixed, shape, NUM_CLASSES)
        net.train()
        logits = net(torch.randn(2, *shape))
        assert logits.shape == (2, NUM_CLASSES), fixed.describe()
        assert torch.isfinite(logits).all(), fixed.describe()
        logits.square().sum().backward()
        for name, parameter in net.named_parameters():
            assert parameter.grad is not None, f"{fixed.describe()}: no gradient for {name}"


def test_genotypes_round_trip_through_json_with_the_same_hash() -> None:
    space = ChainSpace(SMALL)
    for params in samples(space, seed=10, n=500):
        genotype, _ = space.decode(params)
        copy = ChainGenotype.from_dict(json.loads(genotype.to_json()))
        assert copy == genotype
        assert copy.hash() == genotype.hash()
        assert copy.to_json() == genotype.to_json()
        assert copy.describe() == genotype.describe()


def test_equal_genotypes_hash_equal_and_different_ones_differently() -> None:
    space = ChainSpace(SMALL)
    by_hash: dict[str, set[str]] = {}
    distinct: set[str] = set()
    for params in samples(space, seed=11, n=500):
        genotype, _ = space.decode(params)
        again, _ = space.decode(dict(params))
        assert again == genotype and again.hash() == genotype.hash()
        assert len(genotype.hash()) == 16
        int(genotype.hash(), 16)  # hex digits
        by_hash.setdefault(genotype.hash(), set()).add(genotype.to_json())
        distinct.add(genotype.to_json())
    collisions = {h: jsons for h, jsons in by_hash.items() if len(jsons) > 1}
    assert not collisions
    assert len(by_hash) == len(distinct)
    assert len(distinct) > 300  # the samples really were mostly different genotypes


def test_repaired_genotypes_hash_differently_from_what_repair_changed() -> None:
    space = ChainSpace(SMALL)
    changed = 0
    for params in samples(space, seed=12, n=200):
        genotype, _ = space.decode(params)
        fixed = repair(genotype, INPUT_SHAPES["tabular"])
        assert (fixed.hash() == genotype.hash()) == (fixed == genotype)
        changed += fixed != genotype
    assert changed > 50


def test_flat_view_conditions() -> None:
    space = ChainSpace(SMALL)
    flat = space.flat()
    seen_layers: set[int] = set()
    seen_optimizers: set[str] = set()
    for params in samples(space, seed=13, n=500):
        flat.validate(params)
        layers = params["layers"]
        assert isinstance(layers, int)
        seen_layers.add(layers)
        for i in range(SMALL.max_layers):
            keys = {key for key in params if key.startswith(f"l{i}.")}
            if i >= layers:
                assert not keys, f"layer {i} of {layers}: {keys}"
                continue
            op = params[f"l{i}.op"]
            assert (f"l{i}.kernel" in params) == (op in KERNELED), params
            for name in ("width", "activation", "norm", "dropout"):
                assert (f"l{i}.{name}" in params) == (op in WEIGHTED), params
        optimizer = params["optimizer"]
        assert isinstance(optimizer, str)
        seen_optimizers.add(optimizer)
        assert ("momentum" in params) == (optimizer == "sgd"), params
    assert seen_layers == set(range(SMALL.min_layers, SMALL.max_layers + 1))
    assert seen_optimizers == {"adamw", "sgd"}


def test_layers_below_min_layers_are_unconditional() -> None:
    space = ChainSpace(ChainSpaceConfig(min_layers=2, max_layers=4, widths=[4, 8]))
    flat = space.flat()
    assert "l0.op" not in flat.conditions and "l1.op" not in flat.conditions
    assert flat.conditions["l2.op"].parent == "layers"
    assert set(flat.conditions["l2.op"].values) == {3, 4}
    assert set(flat.conditions["l3.op"].values) == {4}
    for params in samples(space, seed=14, n=100):
        assert "l0.op" in params and "l1.op" in params


def test_fixed_settings_are_left_out_of_the_flat_view_but_decoded() -> None:
    config = ChainSpaceConfig(
        min_layers=2,
        max_layers=2,
        ops=["conv"],
        kernels=[5],
        widths=[4, 8],
        activations=["gelu"],
        norms=["batch"],
        dropouts=[0.1],
        global_pools=["max"],
        training=TrainingSpaceConfig(
            optimizer="sgd",
            lr=Range(low=0.05, high=0.05),
            batch_size=[32],
            momentum=0.95,
            weight_decay=1e-4,
            epochs=3,
            augment=0.5,
            label_smoothing=0.1,
            schedule="cosine",
        ),
    )
    space = ChainSpace(config)
    assert set(space.flat()) == {"l0.width", "l1.width"}
    for params in samples(space, seed=15, n=20):
        genotype, training = space.decode(params)
        assert genotype.global_pool == "max"
        assert len(genotype.layers) == 2
        for layer in genotype.layers:
            assert (layer.op, layer.kernel, layer.activation, layer.norm, layer.dropout) == (
                "conv",
                5,
                "gelu",
                "batch",
                0.1,
            )
        assert [layer.width for layer in genotype.layers] == [
            params["l0.width"],
            params["l1.width"],
        ]
        assert training.to_dict() == {
            "optimizer": "sgd",
            "lr": 0.05,
            "batch_size": 32,
            "momentum": 0.95,
            "weight_decay": 1e-4,
            "epochs": 3,
            "augment": 0.5,
            "label_smoothing": 0.1,
            "schedule": "cosine",
            "flip": False,
        }


def test_momentum_is_absent_when_the_optimizer_is_fixed_to_adamw() -> None:
    space = ChainSpace(ChainSpaceConfig(training=TrainingSpaceConfig(optimizer=["adamw"])))
    assert "optimizer" not in space.flat()
    assert "momentum" not in space.flat()
    _, training = space.decode(space.flat().sample(np.random.default_rng(0)))
    assert training.optimizer == "adamw"


def test_space_round_trips_through_its_dict() -> None:
    space = ChainSpace(SMALL)
    copy = ChainSpace.from_dict(json.loads(json.dumps(space.to_dict())))
    assert copy.config == space.config
    assert copy.flat() == space.flat()


@pytest.mark.parametrize(
    "config",
    [
        {"min_layers": 5, "max_layers": 3},
        {"ops": ["conv", "attention"]},
        {"ops": []},
        {"dropouts": [0.0, 1.0]},
        {"widths": [0, 8]},
        {"kernels": [-1]},
        {"pool_window": 1},
        {"norms": ["group"]},
        {"training": {"optimizer": ["adamw", "adam"]}},
        {"training": {"schedule": "step"}},
        {"training": {"lr": {"low": 0.1, "high": 0.01}}},
        {"colour": "blue"},
    ],
    ids=lambda config: json.dumps(config),
)
def test_bad_config_raises_validation_error(config: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        ChainSpaceConfig.model_validate(config)


def test_training_values_no_trial_could_use_are_validation_errors() -> None:
    """A spec whose training settings every trial would reject (at decode or in the optimizer)
    must fail on validation, before any trial runs, like the architecture settings do."""
    bad: list[dict[str, Any]] = [
        {"augment": 1.5},
        {"augment": {"low": 0.0, "high": 2.0}},
        {"batch_size": 0},
        {"epochs": 0},
        {"epochs": [0, 5]},
        {"lr": 0.0},
        {"lr": -0.01},
        {"label_smoothing": 1.5},
        {"weight_decay": -1.0},
        {"optimizer": "sgd", "momentum": -0.5},
    ]
    accepted = []
    for training in bad:
        try:
            ChainSpaceConfig.model_validate({"training": training})
        except ValidationError:
            continue
        accepted.append(training)
    assert not accepted, f"accepted: {accepted}"
