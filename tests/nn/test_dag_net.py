"""``build_dag``: parameter counts match a hand count, merges line up maps of different sizes
and widths, width multipliers scale, equivalent genotypes build the same module, the generic
dispatch and the ONNX export take DAG genotypes, and what an input cannot take fails."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from torch import nn

from netsynth.export import export_model, load_model
from netsynth.nn import build, count_params
from netsynth.nn.dag_net import DagNet, build_dag
from netsynth.space.dag_genotype import DagGenotype, DagNode
from netsynth.space.genotype import GenotypeError

# Tiny nets train far faster on one thread than on two (thread overhead dominates).
pytestmark = pytest.mark.usefixtures("one_torch_thread")

# Node 2 sums the stem (4 channels) and node 1 (6 channels): the stem is projected to 6.
SUM = DagGenotype(
    (
        DagNode("conv", (0,), width=6, kernel=1),
        DagNode("conv", (0, 1), width=5, kernel=3, norm="batch"),
    ),
    stem_width=4,
)


def test_count_params_matches_a_hand_count_with_a_projection() -> None:
    stem = 3 * 4 * 3 * 3 + 2 * 4  # conv 3x3 without bias, batch norm
    node1 = 4 * 6 + 6  # 1x1 conv with bias (no norm)
    projection = 4 * 6  # 1x1 conv without bias: stem's 4 channels to node 1's 6
    node2 = 6 * 5 * 3 * 3 + 2 * 5  # conv 3x3 without bias, batch norm
    classifier = 5 * 3 + 3
    net = build(SUM, (3, 8, 8), 3)
    assert count_params(net) == stem + node1 + projection + node2 + classifier == 468


def test_count_params_matches_a_hand_count_with_concat_and_a_pool() -> None:
    genotype = DagGenotype(
        (
            DagNode("maxpool", (0,)),
            DagNode("sepconv", (0, 1), width=6, kernel=5, norm="layer", merge="concat"),
        ),
        stem_width=4,
    )
    stem = 2 * 4 * 3 + 2 * 4
    node2 = 8 * 5 + 8 * 6 + 2 * 6  # depthwise 5 on 4 + 4 channels, pointwise, group norm
    classifier = 6 * 2 + 2
    net = build(genotype, (2, 20), 2)
    assert count_params(net) == stem + node2 + classifier
    assert net(torch.randn(3, 2, 20)).shape == (3, 2)


def test_merges_line_up_maps_of_different_depths_and_widths() -> None:
    genotype = DagGenotype(
        (
            DagNode("maxpool", (0,)),  # 15 -> 8
            DagNode("avgpool", (1,)),  # 8 -> 4
            DagNode("conv", (0, 1, 2), width=8, kernel=3),  # all three pooled to 4, summed
            DagNode("identity", (1, 3), merge="concat"),  # 4 + 8 channels at length 4
        ),
        stem_width=4,
    )
    net = build(genotype, (1, 15), 3)
    assert isinstance(net, DagNet)
    assert net.classifier.in_features == 12
    out = net(torch.randn(2, 1, 15))
    assert out.shape == (2, 3)
    out.sum().backward()


def test_dead_nodes_are_not_built_and_equivalent_genotypes_build_the_same_net() -> None:
    branches = DagGenotype(
        (
            DagNode("conv", (0,), width=4, kernel=3),
            DagNode("conv", (0,), width=4, kernel=5),
            DagNode("identity", (1, 2)),
        )
    )
    other = DagGenotype(
        (
            DagNode("conv", (0,), width=4, kernel=5),
            DagNode("conv", (0,), width=16, kernel=7),  # dead
            DagNode("conv", (0,), width=4, kernel=3),
            DagNode("identity", (1, 3)),
        )
    )
    torch.manual_seed(0)
    a = build(branches, (2, 12), 3).state_dict()
    torch.manual_seed(0)
    b = build(other, (2, 12), 3).state_dict()
    assert list(a) == list(b)
    assert all(torch.equal(a[key], b[key]) for key in a)


def test_one_d_and_two_d_inputs_get_their_own_convolutions() -> None:
    one_d = build(SUM, (2, 16), 3)
    two_d = build(SUM, (2, 8, 8), 3)
    assert {type(m) for m in one_d.modules() if isinstance(m, nn.Conv1d | nn.Conv2d)} == {nn.Conv1d}
    assert {type(m) for m in two_d.modules() if isinstance(m, nn.Conv1d | nn.Conv2d)} == {nn.Conv2d}


def test_width_multiplier_scales_stem_and_convs_but_never_below_four() -> None:
    genotype = DagGenotype(
        (DagNode("conv", (0,), width=32, kernel=3), DagNode("conv", (0, 1), width=6, kernel=1)),
        stem_width=16,
    )
    net = build_dag(genotype, (1, 16), 3, width_multiplier=0.5)
    convs = [m for m in net.modules() if isinstance(m, nn.Conv1d)]
    # stem 16 -> 8; node 1 32 -> 16; projection of the stem 8 -> 16; node 2 6 -> 3, raised to 4.
    assert [m.out_channels for m in convs] == [8, 16, 16, 4]
    assert net(torch.randn(2, 1, 16)).shape == (2, 3)


def test_global_max_pool_is_used_when_named() -> None:
    genotype = DagGenotype(SUM.nodes, stem_width=4, global_pool="max")
    net = build(genotype, (3, 8, 8), 3)
    assert any(isinstance(m, nn.AdaptiveMaxPool2d) for m in net.modules())
    assert not any(isinstance(m, nn.AdaptiveAvgPool2d) for m in net.modules())


@pytest.mark.parametrize(
    ("shape", "classes", "message"),
    [((13,), 3, "sequences"), ((3, 8, 8, 8), 3, "sequences"), ((3, 8, 8), 1, "num_classes")],
)
def test_inputs_it_cannot_take_are_genotype_errors(
    shape: tuple[int, ...], classes: int, message: str
) -> None:
    with pytest.raises(GenotypeError, match=message):
        build(SUM, shape, classes)


def test_exports_to_onnx_and_loads_back(tmp_path: Path) -> None:
    genotype = DagGenotype(
        (
            DagNode("maxpool", (0,)),
            DagNode("avgpool", (1,)),
            DagNode("conv", (0, 2), width=6, kernel=3, norm="batch"),
            DagNode("identity", (1, 3), merge="concat"),
        ),
        stem_width=4,
    )
    shape = (2, 7, 9)  # odd sizes: merges pool 7x9 -> 4x5 -> 2x3
    net = build(genotype, shape, 3).eval()
    rng = np.random.default_rng(0)
    report = export_model(
        net,
        genotype,
        tmp_path,
        input_shape=shape,
        num_classes=3,
        mean=np.zeros(shape, dtype=np.float32),
        std=np.ones(shape, dtype=np.float32),
        sample=rng.standard_normal((4, *shape)).astype(np.float32),
    )
    assert report.max_abs_diff_onnx < 1e-4
    assert load_model(tmp_path).genotype == genotype
