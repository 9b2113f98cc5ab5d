"""``repair``: what an input cannot take is rewritten or dropped, so that every repaired genotype
builds; and repairing twice changes nothing."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from netsynth.nn import build, repair
from netsynth.space.chain_genotype import POOL_OPS, ChainGenotype, Layer
from netsynth.space.chain_space import ChainSpace, ChainSpaceConfig

# Tiny nets train far faster on one thread than on two (thread overhead dominates).
pytestmark = pytest.mark.usefixtures("one_torch_thread")


INPUT_SHAPES = [(1, 40), (1, 8, 8), (3, 12, 12), (2, 5), (13,)]


def pools(n: int, window: int = 2) -> tuple[Layer, ...]:
    return tuple(Layer("maxpool" if i % 2 else "avgpool", kernel=window) for i in range(n))


def spatial_sizes(net: nn.Module, shape: tuple[int, ...]) -> list[tuple[int, ...]]:
    """The spatial size after every pooling layer of ``net`` on one input of ``shape``."""
    sizes: list[tuple[int, ...]] = []
    hooks = [
        m.register_forward_hook(lambda _m, _i, out: sizes.append(tuple(out.shape[2:])))
        for m in net.modules()
        if isinstance(m, nn.MaxPool1d | nn.MaxPool2d | nn.AvgPool1d | nn.AvgPool2d)
    ]
    net.eval()
    with torch.no_grad():
        net(torch.zeros(1, *shape))
    for hook in hooks:
        hook.remove()
    return sizes


def test_tabular_input_turns_convolutions_into_dense_layers_and_drops_pools() -> None:
    genotype = ChainGenotype(
        (
            Layer("conv", width=32, kernel=5, activation="gelu", norm="batch", dropout=0.1),
            Layer("maxpool", kernel=2),
            Layer("sepconv", width=16, kernel=3, activation="tanh", norm="layer"),
            Layer("avgpool", kernel=2),
            Layer("dense", width=8, activation="elu", dropout=0.25),
        ),
        global_pool="max",
    )
    fixed = repair(genotype, (13,))
    assert fixed == ChainGenotype(
        (
            Layer("dense", width=32, activation="gelu", norm="batch", dropout=0.1),
            Layer("dense", width=16, activation="tanh", norm="layer"),
            Layer("dense", width=8, activation="elu", dropout=0.25),
        ),
        global_pool="max",
    )
    assert build(fixed, (13,), 3)(torch.randn(2, 13)).shape == (2, 3)


def test_dense_layers_move_after_all_spatial_layers_keeping_their_order() -> None:
    d1, d2 = Layer("dense", width=10), Layer("dense", width=20)
    c1, c2 = Layer("conv", width=4, kernel=3), Layer("sepconv", width=6, kernel=5)
    pool = Layer("maxpool", kernel=2)
    genotype = ChainGenotype((d1, c1, d2, pool, c2))
    for shape in [(1, 40), (2, 12, 12)]:
        fixed = repair(genotype, shape)
        assert fixed.layers == (c1, pool, c2, d1, d2)
        assert build(fixed, shape, 3)(torch.randn(2, *shape)).shape == (2, 3)


@pytest.mark.parametrize(
    ("shape", "kept"),
    [((1, 8), 3), ((1, 8, 8), 3), ((3, 8, 32), 3), ((1, 40), 6), ((1, 9), 4), ((1, 1), 0)],
)
def test_pools_that_would_shrink_an_axis_below_one_are_dropped(
    shape: tuple[int, ...], kept: int
) -> None:
    genotype = ChainGenotype((Layer("conv", width=4, kernel=3), *pools(6)))
    fixed = repair(genotype, shape)
    assert sum(layer.op in POOL_OPS for layer in fixed.layers) == kept
    assert fixed.layers[0] == genotype.layers[0]
    sizes = spatial_sizes(build(fixed, shape, 3), shape)
    assert len(sizes) == kept
    assert all(min(size) >= 1 for size in sizes)
    if kept < 6:  # pools were dropped only once the map was down to one position
        assert sizes == [] or min(sizes[-1]) == 1


def test_repaired_pools_of_any_window_build_and_run() -> None:
    """A pool whose window is wider than the map plus one makes PyTorch compute an output size
    of 0 (e.g. ``pool_window: 5`` on MNIST-1D's length 40: 40 -> 19 -> 8 -> 3, then a window of
    5 on 3 positions); repair must drop it rather than hand build an impossible network."""
    failures = []
    for window in (2, 3, 4, 5, 7):
        genotype = ChainGenotype((Layer("conv", width=4, kernel=3), *pools(5, window)))
        for length in (1, 2, 3, 4, 5, 8, 13, 40):
            for shape in [(1, length), (1, length, length)]:
                fixed = repair(genotype, shape)
                try:
                    sizes = spatial_sizes(build(fixed, shape, 3), shape)
                except RuntimeError as exc:
                    failures.append(f"window {window} on {shape}: {fixed.describe()}: {exc}")
                    continue
                assert all(min(size) >= 1 for size in sizes)
    assert not failures, "\n".join(failures)


def test_repair_keeps_what_the_input_can_take() -> None:
    genotype = ChainGenotype(
        (
            Layer("conv", width=8, kernel=3, norm="batch"),
            Layer("maxpool", kernel=2),
            Layer("sepconv", width=8, kernel=3),
            Layer("dense", width=16, dropout=0.1),
        ),
        global_pool="max",
    )
    assert repair(genotype, (1, 40)) == genotype
    assert repair(genotype, (3, 12, 12)) == genotype


def test_repair_keeps_the_global_pool() -> None:
    genotype = ChainGenotype((Layer("maxpool", kernel=2),), global_pool="max")
    assert repair(genotype, (13,)).global_pool == "max"
    assert repair(genotype, (1, 8)).global_pool == "max"


@pytest.mark.parametrize("shape", INPUT_SHAPES, ids=str)
def test_repair_is_idempotent_and_its_result_builds(shape: tuple[int, ...]) -> None:
    space = ChainSpace(
        ChainSpaceConfig(
            min_layers=0,
            max_layers=8,
            ops=["conv", "sepconv", "maxpool", "avgpool", "dense"],
            widths=[4],
            kernels=[1, 3],
        )
    )
    rng = np.random.default_rng(len(shape))
    for _ in range(150):
        genotype, _ = space.decode(space.flat().sample(rng))
        once = repair(genotype, shape)
        assert repair(once, shape) == once
        # what repair must guarantee: nothing spatial on tabular input, dense layers last
        ops = [layer.op for layer in once.layers]
        if len(shape) == 1:
            assert set(ops) <= {"dense"}
        first_dense = ops.index("dense") if "dense" in ops else len(ops)
        assert all(op == "dense" for op in ops[first_dense:])
        if len(shape) > 1:
            # only pools are ever dropped on spatial input, and nothing is reordered but dense
            convs = [layer for layer in genotype.layers if layer.op in ("conv", "sepconv")]
            dense = [layer for layer in genotype.layers if layer.op == "dense"]
            assert [layer for layer in once.layers if layer.op in ("conv", "sepconv")] == convs
            assert [layer for layer in once.layers if layer.op == "dense"] == dense
        build(once, shape, 3)
