"""The defaults chosen from the data: a space per input kind, known baselines first, a lower
fidelity for big data, and chains that downsample before wide layers on large images."""

from __future__ import annotations

import numpy as np
import pytest

from netsynth.nn import build
from netsynth.space.architecture_space import make_architecture_space
from netsynth.space.auto_space import DataSummary, auto_plan, search_samples
from netsynth.space.chain_genotype import ChainGenotype


@pytest.mark.parametrize(
    ("kind", "shape", "families"),
    [
        ("image", (1, 28, 28), ["resnet"]),
        ("sequence", (1, 40), ["resnet"]),
        ("tabular", (12,), ["mlp"]),
    ],
)
def test_each_kind_gets_a_union_whose_baselines_build(
    kind: str, shape: tuple[int, ...], families: list[str]
) -> None:
    plan = auto_plan(DataSummary(kind, shape, 5_000, 10), time_limit=600)
    space = make_architecture_space(plan.space)
    assert plan.space["of"][0]["families"] == families
    assert plan.strategy["initial"] == plan.baselines and len(plan.baselines) >= 2
    for params in plan.baselines:
        genotype, training = space.decode(params)
        net = build(space.repair(genotype, shape), shape, 10)
        assert sum(p.numel() for p in net.parameters()) > 0 and training.epochs >= 9


def test_large_data_is_searched_on_a_share_and_large_images_at_half_resolution() -> None:
    small = auto_plan(DataSummary("image", (1, 28, 28), 3_000, 10), time_limit=900)
    big = auto_plan(DataSummary("image", (3, 96, 96), 48_000, 10), time_limit=900)
    assert small.fidelity == {}
    assert big.fidelity["data_fraction"] == pytest.approx(search_samples(900) / 48_000, abs=1e-3)
    assert big.fidelity["resolution"] == 0.5
    assert search_samples(3600) > search_samples(900) > search_samples(120)


def test_sampled_chains_run_no_wide_convolution_at_full_resolution() -> None:
    plan = auto_plan(DataSummary("image", (1, 28, 28), 8_000, 10), time_limit=600)
    chain = make_architecture_space(plan.space).members["chain"]  # type: ignore[attr-defined]
    rng = np.random.default_rng(0)
    for _ in range(50):
        genotype = chain.repair(chain.sample(rng), (1, 28, 28))
        assert isinstance(genotype, ChainGenotype)
        size = 28
        for layer in genotype.layers:
            if layer.op in ("maxpool", "avgpool"):
                size = (size - 2) // 2 + 1
            elif layer.op in ("conv", "sepconv") and size > 16:
                assert layer.width <= 32, genotype.describe()


@pytest.mark.parametrize("keeps", [True, False])
def test_image_baselines_train_with_flips_only_where_mirroring_keeps_labels(keeps: bool) -> None:
    summary = DataSummary("image", (1, 28, 28), 8_000, 10, mirror_keeps_labels=keeps)
    plan = auto_plan(summary, time_limit=600)
    space = make_architecture_space(plan.space)
    assert [space.decode(params)[1].flip for params in plan.baselines] == [keeps] * 3
    assert plan.space["training"]["flip"] == [False, True]  # the search may still choose
