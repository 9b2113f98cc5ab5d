"""``build_nb201``: every cell of the space builds, runs forward and backward on sequences and
images; parameters match a count by hand; ``none`` edges build nothing; a cell without weights
still trains; the op-factory hook and the width multiplier work; bad inputs are refused."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from netsynth.nn import build, count_params
from netsynth.nn.nb201_net import NB201Cell, build_nb201
from netsynth.space.genotype import GenotypeError
from netsynth.space.nb201_genotype import NB201Genotype
from netsynth.space.nb201_space import NB201Space, NB201SpaceConfig

SMALL = NB201SpaceConfig(init_channels=4, cells_per_stage=1)
SHAPES = {"sequence": (1, 40), "image": (3, 16, 16)}
NUM_CLASSES = 3

# Tiny nets train far faster on one thread than on two (thread overhead dominates).
pytestmark = pytest.mark.usefixtures("one_torch_thread")


def small(*ops: str) -> NB201Genotype:
    return NB201Genotype(ops, init_channels=4, cells_per_stage=1)


@pytest.mark.parametrize("kind", list(SHAPES))
def test_random_cells_build_and_run_forward_and_backward(kind: str) -> None:
    shape, space = SHAPES[kind], NB201Space(SMALL)
    rng = np.random.default_rng(list(SHAPES).index(kind))
    torch.manual_seed(0)
    for _ in range(250):
        genotype = space.sample(rng)
        net = build(space.repair(genotype, shape), shape, NUM_CLASSES)
        net.train()
        logits = net(torch.randn(2, *shape))
        assert logits.shape == (2, NUM_CLASSES), genotype.describe()
        assert torch.isfinite(logits).all(), genotype.describe()
        logits.square().sum().backward()
        canonical = genotype.canonical()
        if canonical == genotype and set(genotype.ops) != {"none"}:
            # No dead edges and a path from the input: every weight takes part.
            for name, parameter in net.named_parameters():
                assert parameter.grad is not None, f"{genotype.describe()}: no grad for {name}"


def test_odd_sizes_halve_rounding_up() -> None:
    genotype = small(*("conv_3x3",) * 6)
    for shape in [(2, 41), (1, 4), (3, 13, 9), (1, 4, 5)]:
        net = build(genotype, shape, NUM_CLASSES)
        assert net(torch.randn(2, *shape)).shape == (2, NUM_CLASSES)


def test_uses_the_convolution_of_the_input_dimension() -> None:
    genotype = small(*("conv_1x1",) * 6)
    one_d = build(genotype, (1, 40), NUM_CLASSES)
    two_d = build(genotype, (3, 16, 16), NUM_CLASSES)
    assert not any(isinstance(m, nn.Conv2d | nn.BatchNorm2d) for m in one_d.modules())
    assert not any(isinstance(m, nn.Conv1d | nn.BatchNorm1d) for m in two_d.modules())


def skeleton_params(c_in: int, c: int, kernel: int, classes: int) -> int:
    """Parameters outside the cells, counted by hand: ``kernel`` is 3 (1-D) or 9 (2-D)."""
    stem = c_in * c * kernel + 2 * c  # conv without bias, BN scale and shift
    reductions = 0
    for width in (c, 2 * c):
        reductions += width * 2 * width * kernel + 2 * 2 * width  # ReLU-conv3/2-BN
        reductions += 2 * width * 2 * width * kernel + 2 * 2 * width  # ReLU-conv3-BN
        reductions += width * 2 * width  # shortcut conv1x1 after the pool
    head = 2 * 4 * c + 4 * c * classes + classes  # BN, linear
    return stem + reductions + head


@pytest.mark.parametrize(("shape", "kernel"), [((1, 40), 3), ((3, 16, 16), 9)])
def test_parameter_count_matches_a_count_by_hand(shape: tuple[int, ...], kernel: int) -> None:
    no_weights = small("skip_connect", "none", "avg_pool_3x3", "skip_connect", "none", "none")
    expected = skeleton_params(shape[0], 4, kernel, 10)
    assert count_params(build(no_weights, shape, 10)) == expected
    # Three conv_1x1 edges per cell, one cell per stage: 3 * (c*c + 2c) at c = 4, 8, 16.
    convs = small("conv_1x1", "none", "conv_1x1", "skip_connect", "none", "conv_1x1")
    cells = sum(3 * (c * c + 2 * c) for c in (4, 8, 16))
    assert count_params(build(convs, shape, 10)) == expected + cells


def test_none_edges_build_no_modules_and_a_node_without_inputs_is_zero() -> None:
    genotype = small("conv_3x3", "none", "none", "none", "skip_connect", "none")
    net = build_nb201(genotype, (1, 40), NUM_CLASSES)
    cells = [m for m in net.modules() if isinstance(m, NB201Cell)]
    assert len(cells) == 3
    assert all(sorted(cell.edges) == ["0_1", "1_3"] for cell in cells)
    empty = build_nb201(small(*("none",) * 6), (3, 16, 16), NUM_CLASSES)
    cell = next(m for m in empty.modules() if isinstance(m, NB201Cell))
    assert len(cell.edges) == 0
    x = torch.randn(2, 4, 16, 16)
    assert torch.equal(cell(x), torch.zeros_like(x))


def test_a_cell_without_weights_still_trains() -> None:
    genotype = small("skip_connect", "avg_pool_3x3", "none", "skip_connect", "none", "skip_connect")
    torch.manual_seed(0)
    net = build(genotype, (1, 40), 2)
    x = torch.randn(32, 1, 40)
    y = (x.mean(dim=(1, 2)) > 0).long()
    optimizer = torch.optim.Adam(net.parameters(), lr=1e-2)
    losses = []
    for _ in range(30):
        optimizer.zero_grad(set_to_none=True)
        loss = nn.functional.cross_entropy(net(x), y)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    assert losses[-1] < 0.5 * losses[0]


def test_op_factory_is_called_for_every_edge_of_every_cell() -> None:
    calls: list[tuple[int, int, int, int]] = []

    def factory(edge: int, channels: int, stride: int, dims: int) -> nn.Module:
        calls.append((edge, channels, stride, dims))
        return nn.Identity()

    genotype = NB201Genotype(("none",) * 6, init_channels=4, cells_per_stage=2)
    net = build_nb201(genotype, (3, 16, 16), NUM_CLASSES, op_factory=factory)
    expected = [(k, c, 1, 2) for c in (4, 8, 16) for _ in range(2) for k in range(6)]
    assert calls == expected
    cells = [m for m in net.modules() if isinstance(m, NB201Cell)]
    assert all(len(cell.edges) == 6 for cell in cells)
    # Identity on all six edges: node 1 = x, node 2 = 2x, node 3 = x + x + 2x.
    x = torch.randn(2, 4, 8, 8)
    assert torch.allclose(cells[0](x), 4 * x)


def test_width_multiplier_scales_the_first_stage_with_at_least_four_channels() -> None:
    genotype = NB201Genotype(("skip_connect",) * 6, init_channels=16, cells_per_stage=1)

    def classifier_inputs(multiplier: float) -> int:
        net = build(genotype, (1, 40), NUM_CLASSES, width_multiplier=multiplier)
        return next(m for m in net.modules() if isinstance(m, nn.Linear)).in_features

    assert classifier_inputs(1.0) == 64
    assert classifier_inputs(0.5) == 32
    assert classifier_inputs(0.1) == 16  # 4 channels, x4 after two reductions


@pytest.mark.parametrize(
    ("shape", "classes", "message"),
    [
        ((13,), 3, r"needs sequences \(C, L\) or images"),
        ((1, 3), 3, "at least 4 positions"),
        ((3, 2, 16), 3, "at least 4 positions"),
        ((1, 40), 1, "num_classes must be >= 2"),
    ],
)
def test_bad_inputs_are_refused(shape: tuple[int, ...], classes: int, message: str) -> None:
    with pytest.raises(GenotypeError, match=message):
        build(small(*("conv_3x3",) * 6), shape, classes)
