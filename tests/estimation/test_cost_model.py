"""The cost model: features counted on the meta device agree with real FLOP counts, grow with
width, depth and resolution, put depthwise and dilated FLOPs in their own fields, are
cached; a calibrated model predicts positive, finite seconds that grow with the network and
the data, and survives a JSON round trip. No assertion here is about wall time."""

from __future__ import annotations

import dataclasses
import json
import math

import pytest
import torch

from netsynth.estimation.calibration import ProbeTiming, calibrate, fit, probe_genotypes
from netsynth.estimation.cost_model import (
    EVAL_BATCH,
    CostFeatures,
    CostModel,
    cost_features,
)
from netsynth.nn import build, count_flops
from netsynth.space.cell_genotype import Cell, CellGenotype
from netsynth.space.chain_genotype import ChainGenotype, Layer
from netsynth.space.genotype import Genotype
from netsynth.space.zoo_genotype import ZooGenotype

pytestmark = pytest.mark.usefixtures("one_torch_thread")

IMAGE = (1, 28, 28)


def chain(*layers: Layer) -> ChainGenotype:
    return ChainGenotype(tuple(layers))


def conv(width: int, kernel: int = 3, norm: str = "batch") -> Layer:
    return Layer("conv", width, kernel, "relu", norm)


POOL = Layer("maxpool", kernel=2)
CELL = Cell(
    (
        (("dil_conv_3x3", 1), ("sep_conv_3x3", 0)),
        (("max_pool_3x3", 2), ("skip_connect", 1)),
    )
)
GENOTYPES: list[tuple[Genotype, tuple[int, ...]]] = [
    (chain(conv(16), POOL, Layer("sepconv", 32, 5), Layer("dense", 32)), IMAGE),
    (chain(conv(8, 5), Layer("sepconv", 16, 3, norm="layer")), (2, 40)),
    (chain(Layer("dense", 64, norm="batch"), Layer("dense", 32)), (20,)),
    (CellGenotype(CELL, CELL, (1, 1), 8), IMAGE),
    (ZooGenotype("resnet", "8"), IMAGE),
    (ZooGenotype("mobilenet", "v3_small", width_multiplier=0.5), (1, 40)),
]


@pytest.mark.parametrize(("genotype", "shape"), GENOTYPES)
def test_features_are_finite_and_match_a_real_flop_count(
    genotype: Genotype, shape: tuple[int, ...]
) -> None:
    features = cost_features(genotype, shape, 10)
    for name, value in features.to_dict().items():
        assert math.isfinite(value) and value >= 0, name
    assert features.activations > 0 and features.ops > 0 and features.params > 0
    assert features.input_elements == math.prod(shape)
    real = build(genotype, shape, 10)
    assert features.params == sum(p.numel() for p in real.parameters())
    assert features.total_flops == pytest.approx(count_flops(real, shape), rel=1e-6)


def test_wider_deeper_and_larger_inputs_cost_more() -> None:
    base = cost_features(chain(conv(16), conv(16)), IMAGE, 10)
    wider = cost_features(chain(conv(32), conv(32)), IMAGE, 10)
    deeper = cost_features(chain(conv(16), conv(16), conv(16)), IMAGE, 10)
    larger = cost_features(chain(conv(16), conv(16)), (1, 56, 56), 10)
    pooled = cost_features(chain(POOL, conv(16), conv(16)), IMAGE, 10)
    for bigger in (wider, deeper, larger):
        assert bigger.flops > base.flops
        assert bigger.activations > base.activations
        assert bigger.norm_elements > base.norm_elements
    assert deeper.ops > base.ops and deeper.params > base.params
    assert larger.params == base.params  # resolution changes the work, not the weights
    assert pooled.flops < base.flops and pooled.activations < base.activations  # early pool
    assert pooled.ops > base.ops
    half = cost_features(chain(conv(16), conv(16)), IMAGE, 10, width_multiplier=0.5)
    assert half.flops < base.flops


def test_depthwise_and_dilated_flops_have_their_own_fields() -> None:
    dense = cost_features(chain(conv(32), conv(32)), IMAGE, 10)
    separable = cost_features(chain(conv(32), Layer("sepconv", 32, 5)), IMAGE, 10)
    assert dense.grouped_flops == dense.grouped_outputs == dense.dilated_flops == 0
    assert separable.grouped_flops > 0 and separable.grouped_outputs > 0
    assert separable.dilated_flops == 0
    assert separable.conv_elements > 0 and separable.matmul_flops > 0  # the classifier
    cells = cost_features(CellGenotype(CELL, CELL, (1, 1), 8), IMAGE, 10)
    assert cells.dilated_flops > 0 and cells.grouped_flops > 0


def test_features_are_cached_and_round_trip() -> None:
    genotype = chain(conv(8), Layer("dense", 16))
    first = cost_features(genotype, IMAGE, 10)
    assert cost_features(genotype, IMAGE, 10) is first
    assert cost_features(genotype, IMAGE, 10, width_multiplier=0.5) is not first
    assert cost_features(genotype, IMAGE, 5) is not first
    assert CostFeatures.from_dict(json.loads(json.dumps(first.to_dict()))) == first


def test_pretrained_weights_do_not_reach_the_meta_build(tmp_path: object) -> None:
    plain = cost_features(ZooGenotype("resnet", "8"), IMAGE, 10)
    weighted = ZooGenotype("resnet", "8", weights="/nonexistent/weights.safetensors")
    assert cost_features(weighted, IMAGE, 10).to_dict() == plain.to_dict()


def _model(**changes: object) -> CostModel:
    model = CostModel(
        train={"step": 1e-3, "ops": 1e-5, "sample": 1e-6, "flops": 1e-10, "activations": 1e-9},
        eval={"step": 1e-3, "sample": 5e-7, "flops": 3e-11, "activations": 3e-10},
        augment=1e-7,
        device="cpu",
        threads=1,
    )
    return dataclasses.replace(model, **changes)  # type: ignore[arg-type]


def test_epoch_seconds_counts_steps_and_validation_batches() -> None:
    model = _model()
    features = cost_features(chain(conv(8)), IMAGE, 10)
    step = model.step_seconds(features, 128)
    assert model.step_seconds(features, 128, augment=True) == pytest.approx(step + 128e-7)
    # The ragged last batch is dropped: 255 samples are one step of 128.
    assert model.epoch_seconds(
        features, train_samples=255, val_samples=0, batch_size=128
    ) == pytest.approx(step)
    val = model.eval_seconds(features, EVAL_BATCH + 10)
    assert val == pytest.approx(
        model.eval_seconds(features, EVAL_BATCH) + model.eval_seconds(features, 10)
    )
    assert model.epoch_seconds(
        features, train_samples=1280, val_samples=EVAL_BATCH + 10, batch_size=128
    ) == pytest.approx(10 * step + val)


def test_cost_model_round_trips_through_json() -> None:
    model = _model(probes=("linear", "thin"), extras={"kind": "image", "skipped": []})
    assert CostModel.from_dict(json.loads(json.dumps(model.to_dict()))) == model


def _synthetic_timing(name: str, genotype: Genotype, seconds_per_sample: float) -> ProbeTiming:
    features = cost_features(genotype, IMAGE, 10)
    return ProbeTiming(
        name,
        features,
        train=[(128, 1e-3 + 128 * seconds_per_sample), (32, 1e-3 + 32 * seconds_per_sample)],
        eval=[(1024, 1024 * seconds_per_sample / 3)],
    )


def test_fit_works_from_two_probes_and_from_none() -> None:
    timings = [
        _synthetic_timing("thin", chain(conv(8)), 2e-5),
        _synthetic_timing("wide", chain(conv(64), conv(64)), 4e-4),
    ]
    model = fit(timings)
    for coefficients in (model.train, model.eval):
        assert all(math.isfinite(c) and c >= 0 for c in coefficients.values())
    thin, wide = timings[0].features, timings[1].features
    assert 0 < model.step_seconds(thin, 128) < model.step_seconds(wide, 128)
    for timing in timings:  # close to what was timed
        predicted = model.step_seconds(timing.features, 128)
        assert 0.5 < predicted / timing.train[0][1] < 2
    assert math.isnan(fit([]).fit_error)  # no probes: the prior


def test_probes_fit_every_kind_of_input() -> None:
    for kind, shape in (("image", (3, 8, 8)), ("sequence", (1, 5)), ("tabular", (7,))):
        probes = probe_genotypes(kind, shape)
        assert len(probes) >= 5
        for _, genotype in probes:
            build(genotype, shape, 3)  # the input can take every probe
    with pytest.raises(ValueError, match="kind"):
        probe_genotypes("audio", (1, 10))


@pytest.mark.parametrize(
    ("kind", "shape"), [("image", (1, 12, 12)), ("sequence", (2, 32)), ("tabular", (12,))]
)
def test_calibrated_predictions_are_positive_and_monotone(
    kind: str, shape: tuple[int, ...]
) -> None:
    generator = torch.Generator().manual_seed(0)
    x = torch.randn(512, *shape, generator=generator)
    y = torch.randint(0, 4, (512,), generator=generator)
    model = calibrate(x, y, 4, kind=kind, batch_size=64, seconds=2.0, seed=0)
    assert len(model.probes) >= 2
    assert model.threads == torch.get_num_threads() and model.device == "cpu"
    assert model.calibration_seconds > 0 and model.augment >= 0
    assert all(c >= 0 and math.isfinite(c) for c in (*model.train.values(), *model.eval.values()))
    if kind == "tabular":
        small, big = chain(Layer("dense", 16)), chain(Layer("dense", 512), Layer("dense", 512))
    else:
        small, big = chain(conv(8)), chain(conv(64), conv(64), conv(64))
    little, large = cost_features(small, shape, 4), cost_features(big, shape, 4)

    def epoch(features: CostFeatures, train: int = 1024, val: int = 256) -> float:
        return model.epoch_seconds(features, train_samples=train, val_samples=val, batch_size=64)

    assert 0 < epoch(little) < epoch(large) < math.inf
    assert epoch(little, train=2048) > epoch(little)
    assert epoch(little, val=2048) > epoch(little)
    assert model.step_seconds(little, 128) > model.step_seconds(little, 16) > 0
    restored = CostModel.from_dict(json.loads(json.dumps(model.to_dict())))
    assert restored.epoch_seconds(
        large, train_samples=1024, val_samples=256, batch_size=64
    ) == pytest.approx(epoch(large))


def test_a_spent_budget_still_times_the_cheapest_probe() -> None:
    x = torch.randn(64, 1, 8, 8)
    y = torch.arange(64) % 2
    model = calibrate(x, y, 2, kind="image", seconds=0.0)
    assert model.probes == ("linear",)
    features = cost_features(chain(conv(8)), (1, 8, 8), 2)
    assert model.epoch_seconds(features, train_samples=64, val_samples=64, batch_size=32) > 0


def test_calibrate_rejects_unknown_kinds() -> None:
    with pytest.raises(ValueError, match="kind"):
        calibrate(torch.zeros(8, 4), torch.zeros(8, dtype=torch.long), 2, kind="graph")
