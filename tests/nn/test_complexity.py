"""Model size and cost: parameter counts against counts written out here, FLOPs against hand
computations (2 FLOPs per multiply-add of convolutions and matrix multiplies; biases, norms,
activations and pools are not counted)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from torch import nn

from netsynth.nn import build, count_flops, count_params, repair
from netsynth.space.chain_genotype import POOL_OPS, ChainGenotype, Layer
from netsynth.space.chain_space import ChainSpace, ChainSpaceConfig

# Tiny nets train far faster on one thread than on two (thread overhead dominates).
pytestmark = pytest.mark.usefixtures("one_torch_thread")


def expected_params(
    genotype: ChainGenotype, shape: tuple[int, ...], classes: int, multiplier: float = 1.0
) -> int:
    """Parameters of the network ``build`` should make, from the genotype alone."""
    dims = len(shape) - 1
    channels = shape[0]

    def width(layer: Layer) -> int:
        return layer.width if multiplier == 1.0 else max(4, round(layer.width * multiplier))

    def bias_or_norm(layer: Layer, w: int) -> int:
        # no bias under a norm; batch and layer norm both have a scale and a shift per channel
        return w if layer.norm == "none" else 2 * w

    total = 0
    for layer in genotype.layers:
        if layer.op in POOL_OPS or layer.op == "dense":
            continue
        w = width(layer)
        window = layer.kernel**dims
        if layer.op == "conv":
            total += channels * w * window
        else:  # depthwise (no bias) then pointwise
            total += channels * window + channels * w
        total += bias_or_norm(layer, w)
        channels = w
    for layer in genotype.layers:
        if layer.op == "dense":
            w = width(layer)
            total += channels * w + bias_or_norm(layer, w)
            channels = w
    return total + channels * classes + classes


def test_count_params_of_a_small_net_by_hand() -> None:
    genotype = ChainGenotype((Layer("conv", width=8, kernel=3, norm="batch"),))
    net = build(genotype, (1, 40), 10)
    # Conv1d(1, 8, 3, bias=False): 1*8*3 = 24; BatchNorm1d(8): 8 + 8 = 16;
    # Linear(8, 10): 8*10 + 10 = 90.
    assert count_params(net) == 24 + 16 + 90


def test_count_params_of_a_2d_net_by_hand() -> None:
    genotype = ChainGenotype(
        (
            Layer("sepconv", width=6, kernel=3),  # bias, no norm
            Layer("maxpool", kernel=2),
            Layer("dense", width=5, norm="layer"),
        )
    )
    net = build(genotype, (2, 8, 8), 3)
    # depthwise Conv2d(2, 2, 3, groups=2, bias=False): 2*3*3 = 18;
    # pointwise Conv2d(2, 6, 1): 2*6 + 6 = 18; Linear(6, 5, bias=False): 30;
    # LayerNorm(5): 10; Linear(5, 3): 15 + 3 = 18.
    assert count_params(net) == 18 + 18 + 30 + 10 + 18


@pytest.mark.parametrize("shape", [(1, 40), (3, 12, 12), (13,)], ids=str)
@pytest.mark.parametrize("multiplier", [1.0, 0.5])
def test_count_params_matches_an_independent_count(
    shape: tuple[int, ...], multiplier: float
) -> None:
    space = ChainSpace(
        ChainSpaceConfig(
            ops=["conv", "sepconv", "maxpool", "avgpool", "dense"],
            widths=[4, 8, 12],
            norms=["none", "batch", "layer"],
        )
    )
    rng = np.random.default_rng(0)
    for _ in range(40):
        genotype = repair(space.decode(space.flat().sample(rng))[0], shape)
        net = build(genotype, shape, 7, width_multiplier=multiplier)
        assert count_params(net) == expected_params(genotype, shape, 7, multiplier), (
            genotype.describe()
        )
        assert count_params(net) == sum(
            math.prod(p.shape) for _, p in net.named_parameters(remove_duplicate=False)
        )


def test_flops_of_a_single_1d_conv_by_hand() -> None:
    genotype = ChainGenotype((Layer("conv", width=8, kernel=3, norm="none"),))
    net = build(genotype, (1, 40), 10)
    # Conv1d(1, 8, 3, padding=1) keeps length 40: 8 outputs x 40 positions x 1*3 multiply-adds
    # = 960 MACs = 1920 FLOPs (its bias is not counted); Linear(8, 10): 80 MACs = 160 FLOPs.
    assert count_flops(net, (1, 40)) == 1920 + 160


def test_flops_of_a_2d_net_by_hand() -> None:
    genotype = ChainGenotype(
        (
            Layer("conv", width=4, kernel=3, norm="batch"),
            Layer("maxpool", kernel=2),
            Layer("sepconv", width=8, kernel=3),
            Layer("dense", width=16),
        )
    )
    net = build(genotype, (3, 6, 6), 5)
    conv = 2 * (4 * 3 * 3 * 3) * (6 * 6)  # 4 out x 3 in x 3x3 window, at 6x6 positions: 7776
    depthwise = 2 * (4 * 1 * 3 * 3) * (3 * 3)  # after the pool, 3x3 positions: 648
    pointwise = 2 * (8 * 4) * (3 * 3)  # 576
    dense = 2 * 8 * 16  # 256
    classifier = 2 * 16 * 5  # 160
    assert count_flops(net, (3, 6, 6)) == conv + depthwise + pointwise + dense + classifier
    assert conv + depthwise + pointwise + dense + classifier == 9416


def test_flops_of_a_tabular_net_by_hand() -> None:
    genotype = ChainGenotype((Layer("dense", width=16, norm="batch"), Layer("dense", width=8)))
    net = build(genotype, (13,), 3)
    assert count_flops(net, (13,)) == 2 * (13 * 16 + 16 * 8 + 8 * 3)


def test_flops_are_for_one_sample_and_grow_with_the_input() -> None:
    genotype = ChainGenotype((Layer("conv", width=8, kernel=3),))
    net = build(genotype, (1, 80), 10)
    assert count_flops(net, (1, 80)) == 2 * 8 * 3 * 80 + 2 * 8 * 10


@pytest.mark.parametrize("training", [True, False])
def test_count_flops_leaves_the_mode_and_batch_statistics_unchanged(training: bool) -> None:
    genotype = ChainGenotype(
        (Layer("conv", width=8, kernel=3, norm="batch", dropout=0.25), Layer("dense", width=8))
    )
    net = build(genotype, (1, 40), 3)
    net(torch.randn(8, 1, 40))  # non-trivial running statistics
    net.train(training)
    before = {k: v.clone() for k, v in net.state_dict().items()}
    count_flops(net, (1, 40))
    assert all(m.training == training for m in net.modules())
    after = net.state_dict()
    assert all(torch.equal(before[k], after[k]) for k in before)


def test_count_flops_on_a_model_without_parameters() -> None:
    assert count_flops(nn.Flatten(), (3, 4)) == 0
    assert count_params(nn.Flatten()) == 0
