"""The network of a cell genotype: every sample builds and trains (forward and backward) on
sequences and images; its size matches a hand count; equivalent genotypes build networks of
equal size; the op-factory hook, width multiplier and affine switch work; inputs the skeleton
cannot take are refused."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
import torch
from torch import nn

from netsynth.nn import build, count_flops, count_params
from netsynth.nn.cell_net import DeadCell, build_cell_net
from netsynth.nn.ops import OPS, make_op
from netsynth.space.cell_genotype import CELL_OPS, Cell, CellGenotype
from netsynth.space.cell_space import CellSpace, CellSpaceConfig
from netsynth.space.genotype import GenotypeError

pytestmark = pytest.mark.usefixtures("one_torch_thread")

SHAPES = {"sequence": (1, 32), "image": (3, 16, 16)}
NUM_CLASSES = 3


def tiny(nodes: int) -> CellSpace:
    return CellSpace(CellSpaceConfig(nodes=nodes, stages=2, cells_per_stage=1, init_channels=4))


@pytest.mark.parametrize("nodes", [2, 3, 4])
@pytest.mark.parametrize("kind", list(SHAPES))
def test_samples_build_and_train_forward_and_backward(kind: str, nodes: int) -> None:
    shape = SHAPES[kind]
    space = tiny(nodes)
    rng = np.random.default_rng(nodes)
    torch.manual_seed(0)
    for _ in range(40):
        g = space.repair(space.sample(rng), shape)
        net = build(g, shape, NUM_CLASSES)
        net.train()
        logits = net(torch.randn(2, *shape))
        assert logits.shape == (2, NUM_CLASSES), g.describe()
        assert torch.isfinite(logits).all(), g.describe()
        logits.square().sum().backward()
        for name, parameter in net.named_parameters():
            assert parameter.grad is not None, f"{g.describe()}: no gradient for {name}"


def test_searched_macro_builds_with_the_right_sizes() -> None:
    space = CellSpace(
        CellSpaceConfig(
            nodes=2,
            stages=[1, 2, 3],
            cells_per_stage=[1, 2],
            init_channels=[4, 6],
            channel_growth=[1.5, 2.0],
        )
    )
    rng = np.random.default_rng(0)
    for _ in range(20):
        g = space.sample(rng)
        net = build(g, (1, 33), NUM_CLASSES)  # odd length: every reduction rounds up
        sizes: list[tuple[int, ...]] = []

        def record(
            _m: nn.Module, _i: object, out: torch.Tensor, sizes: list[tuple[int, ...]] = sizes
        ) -> None:
            sizes.append(tuple(out.shape[1:]))

        for cell in net.cells:  # type: ignore[union-attr]
            cell.register_forward_hook(record)
        net(torch.randn(2, 1, 33))
        expected = []
        length = 33
        for (kind, stage), live in zip(g.sequence(), g.live()[1], strict=True):
            length = (length + 1) // 2 if kind == "reduce" else length
            expected.append((2 * g.stage_channels()[stage] if live else 0, length))
        assert sizes == expected, g.describe()


def test_the_genotype_names_every_op_of_the_op_table() -> None:
    assert set(CELL_OPS) == set(OPS)  # cell_genotype stays torch-free, so it lists them itself


def parameter_free_genotype() -> CellGenotype:
    """Only pools and skips (no stride-2 skip, which is a FactorizedReduce with weights)."""
    normal = Cell(
        (
            (("skip_connect", 1), ("max_pool_3x3", 0)),
            (("avg_pool_3x3", 2), ("skip_connect", 1)),
        )
    )
    reduce = Cell(
        (
            (("max_pool_3x3", 0), ("avg_pool_3x3", 1)),
            (("skip_connect", 2), ("max_pool_3x3", 1)),
        )
    )
    return CellGenotype(normal, reduce, (1, 1), init_channels=4, channel_growth=2.0)


def test_parameter_count_matches_a_hand_count() -> None:
    net = build(parameter_free_genotype(), (3, 16, 16), 10)

    def relu_conv_bn(c_in: int, c_out: int) -> int:
        return c_in * c_out + 2 * c_out  # 1x1 conv without bias, batch norm scale and shift

    stem = 3 * 12 * 3 * 3 + 2 * 12  # conv 3x3, 3 -> 3·C = 12 channels, and its batch norm
    normal0 = relu_conv_bn(12, 4) + relu_conv_bn(12, 4)  # C = 4; reads stem and stem
    reduce1 = relu_conv_bn(12, 8) + relu_conv_bn(8, 8)  # C = 8; reads stem and 2·4 channels
    factorized = 8 * 4 + 8 * 4 + 2 * 8  # two 1x1 convs 8 -> 4 and a batch norm of 8
    normal2 = factorized + relu_conv_bn(16, 8)  # after a reduction: c_{k-2} is twice as big
    classifier = 16 * 10 + 10  # 2 nodes · 8 channels -> 10 classes
    assert count_params(net) == stem + normal0 + reduce1 + normal2 + classifier == 1046


def test_equivalent_genotypes_build_networks_of_equal_size() -> None:
    space = tiny(4)
    rng = np.random.default_rng(1)
    for _ in range(12):
        g = space.sample(rng)
        canonical = space.canonical(g)
        a, b = build(g, (1, 32), NUM_CLASSES), build(canonical, (1, 32), NUM_CLASSES)
        assert count_params(a) == count_params(b), g.describe()
        assert count_flops(a, (1, 32)) == count_flops(b, (1, 32)), g.describe()


def test_an_input_that_only_none_edges_read_gets_no_preprocessing() -> None:
    cell = Cell(((("sep_conv_3x3", 1), ("none", 0)), (("none", 0), ("none", 1))))
    net = build_cell_net(CellGenotype(cell, cell, (1,), 4), (1, 16), NUM_CLASSES)
    only = net.cells[0]
    assert only.pre0 is None and only.pre1 is not None  # type: ignore[union-attr]
    assert list(only.edges) == ["n0_0"]  # type: ignore[union-attr,arg-type]
    assert net(torch.randn(2, 1, 16)).shape == (2, NUM_CLASSES)


def test_cells_whose_output_nothing_reads_are_not_built() -> None:
    # Cell 0 (normal) feeds cell 1 (reduce) as c_{k-1} and cell 2 (normal) as c_{k-2}; the
    # reduction reads only c_{k-2} and the normal cell only c_{k-1}, so cell 0 is dead.
    normal = Cell(((("sep_conv_3x3", 1), ("skip_connect", 1)),))
    reduce = Cell(((("max_pool_3x3", 0), ("sep_conv_3x3", 0)),))
    g = CellGenotype(normal, reduce, (1, 1), 4)
    assert g.live() == (True, [False, True, True])
    net = build(g, (1, 16), NUM_CLASSES)
    assert isinstance(net.cells[0], DeadCell)  # type: ignore[index]
    assert not [name for name, _ in net.named_parameters() if name.startswith("cells.0.")]
    net(torch.randn(2, 1, 16)).square().sum().backward()
    assert all(p.grad is not None for p in net.parameters())
    # A normal cell of none edges reads nothing: only the last cell and the head are left.
    zeros = Cell(((("none", 0), ("none", 1)),))
    g = CellGenotype(zeros, reduce, (1, 1), 4)
    assert g.live() == (False, [False, False, True])
    net = build(g, (1, 16), NUM_CLASSES)
    assert net.stem is None
    assert count_params(net) == (1 * 8) * NUM_CLASSES + NUM_CLASSES  # the classifier
    torch.testing.assert_close(net(torch.randn(2, 1, 16)), net(torch.randn(2, 1, 16)))


def test_op_factory_is_called_for_every_edge_with_its_stride() -> None:
    g = parameter_free_genotype()
    calls: list[tuple[str, int, int, int, int, int]] = []

    def factory(
        kind: str, node: int, slot: int, channels: int, stride: int, dims: int
    ) -> nn.Module:
        calls.append((kind, node, slot, channels, stride, dims))
        return make_op("sep_conv_3x3", channels, stride, dims)

    net = build_cell_net(g, (3, 16, 16), NUM_CLASSES, op_factory=factory)
    assert net(torch.randn(2, 3, 16, 16)).shape == (2, NUM_CLASSES)
    normal = [(n, s, 1) for n in (0, 1) for s in (0, 1)]
    reduce = [(0, 0, 2), (0, 1, 2), (1, 0, 1), (1, 1, 2)]  # stride 2 on edges from the inputs
    assert [(c[1], c[2], c[4]) for c in calls] == normal + reduce + normal
    assert [c[3] for c in calls] == [4] * 4 + [8] * 8
    assert {c[0] for c in calls[4:8]} == {"reduce"} and {c[5] for c in calls} == {2}
    assert count_params(net) > count_params(build(g, (3, 16, 16), NUM_CLASSES))


def test_width_multiplier_and_affine() -> None:
    g = parameter_free_genotype()
    wide = build(replace(g, init_channels=8), (3, 16, 16), NUM_CLASSES)
    scaled = build(g, (3, 16, 16), NUM_CLASSES, width_multiplier=2.0)
    assert count_params(scaled) == count_params(wide)
    floor = build(g, (3, 16, 16), NUM_CLASSES, width_multiplier=0.1)  # at least 4 channels
    assert count_params(floor) == count_params(build(g, (3, 16, 16), NUM_CLASSES))
    plain = build_cell_net(g, (3, 16, 16), NUM_CLASSES, affine=False)
    cells_bn = [m for m in plain.cells.modules() if isinstance(m, nn.BatchNorm2d)]
    assert cells_bn and all(m.weight is None for m in cells_bn)
    assert plain.stem[1].weight is not None  # type: ignore[index,union-attr]


@pytest.mark.parametrize(
    ("shape", "message"),
    [
        ((13,), r"needs sequences \(C, L\) or images \(C, H, W\); got tabular"),
        ((1, 1), r"too small for 1 reductions.*spatial size 1 -> 1"),
        ((3, 1, 8), r"1x8 -> 1x4"),
    ],
)
def test_inputs_the_skeleton_cannot_take_are_refused(shape: tuple[int, ...], message: str) -> None:
    with pytest.raises(GenotypeError, match=message):
        build(parameter_free_genotype(), shape, NUM_CLASSES)


def test_other_mistakes_are_genotype_errors() -> None:
    with pytest.raises(GenotypeError, match="num_classes"):
        build(parameter_free_genotype(), (1, 16), 1)
    from netsynth.space.chain_genotype import ChainGenotype

    with pytest.raises(GenotypeError, match="cell genotypes"):
        build_cell_net(ChainGenotype(()), (1, 16), NUM_CLASSES)
