"""``build``: genotypes become modules of the right shape; genotypes an input cannot take and
invalid layers fail with a GenotypeError that says why."""

from __future__ import annotations

from typing import Any

import pytest
import torch
from torch import nn

from netsynth.nn import build
from netsynth.space.chain_genotype import ChainGenotype, GenotypeError, Layer

# Tiny nets train far faster on one thread than on two (thread overhead dominates).
pytestmark = pytest.mark.usefixtures("one_torch_thread")


SPATIAL = ChainGenotype(
    (
        Layer("conv", width=8, kernel=3, norm="batch"),
        Layer("maxpool", kernel=2),
        Layer("sepconv", width=6, kernel=5, norm="layer", activation="gelu", dropout=0.1),
        Layer("avgpool", kernel=2),
        Layer("dense", width=12, norm="batch", dropout=0.25),
        Layer("dense", width=7, activation="tanh", norm="layer"),
    ),
    global_pool="max",
)
TABULAR = ChainGenotype((Layer("dense", width=16, norm="batch"), Layer("dense", width=8)))


@pytest.mark.parametrize(
    ("genotype", "shape"),
    [(SPATIAL, (1, 40)), (SPATIAL, (1, 8, 8)), (SPATIAL, (3, 12, 12)), (TABULAR, (13,))],
    ids=["sequence", "image-gray", "image-rgb", "tabular"],
)
def test_output_is_n_by_num_classes_for_each_input_kind(
    genotype: ChainGenotype, shape: tuple[int, ...]
) -> None:
    net = build(genotype, shape, 5)
    net.train()
    out = net(torch.randn(4, *shape))
    assert out.shape == (4, 5)
    out.sum().backward()
    net.eval()
    with torch.no_grad():
        assert net(torch.randn(1, *shape)).shape == (1, 5)


def test_uses_the_convolution_of_the_input_dimension() -> None:
    layer = Layer("conv", width=8, kernel=3)
    one_d = build(ChainGenotype((layer,)), (2, 40), 3)
    two_d = build(ChainGenotype((layer,)), (2, 8, 8), 3)
    assert [type(m) for m in one_d.modules() if isinstance(m, nn.Conv1d | nn.Conv2d)] == [nn.Conv1d]
    assert [type(m) for m in two_d.modules() if isinstance(m, nn.Conv1d | nn.Conv2d)] == [nn.Conv2d]


def test_empty_genotype_is_a_linear_classifier_on_pooled_channels() -> None:
    net = build(ChainGenotype(()), (3, 8, 8), 4)
    linears = [m for m in net.modules() if isinstance(m, nn.Linear)]
    assert [(m.in_features, m.out_features) for m in linears] == [(3, 4)]
    assert net(torch.randn(2, 3, 8, 8)).shape == (2, 4)


def test_global_pool_is_the_one_named() -> None:
    x = torch.randn(2, 1, 16)
    layers = (Layer("maxpool", kernel=2),)
    avg = build(ChainGenotype(layers, "avg"), (1, 16), 2)
    mx = build(ChainGenotype(layers, "max"), (1, 16), 2)
    assert any(isinstance(m, nn.AdaptiveAvgPool1d) for m in avg.modules())
    assert any(isinstance(m, nn.AdaptiveMaxPool1d) for m in mx.modules())
    assert avg(x).shape == mx(x).shape == (2, 2)


def test_width_multiplier_scales_widths_but_never_below_four() -> None:
    genotype = ChainGenotype((Layer("conv", width=32, kernel=3), Layer("dense", width=6)))
    net = build(genotype, (1, 20), 3, width_multiplier=0.5)
    conv = next(m for m in net.modules() if isinstance(m, nn.Conv1d))
    linears = [m for m in net.modules() if isinstance(m, nn.Linear)]
    assert conv.out_channels == 16
    assert [(m.in_features, m.out_features) for m in linears] == [(16, 4), (4, 3)]


def test_conv_after_dense_raises_a_clear_error() -> None:
    genotype = ChainGenotype((Layer("dense", width=8), Layer("conv", width=8, kernel=3)))
    with pytest.raises(GenotypeError, match=r"layer 1 \(conv\) comes after a dense layer"):
        build(genotype, (1, 40), 3)


def test_pool_after_dense_raises_a_clear_error() -> None:
    genotype = ChainGenotype((Layer("dense", width=8), Layer("maxpool", kernel=2)))
    with pytest.raises(GenotypeError, match=r"layer 1 \(maxpool\) comes after a dense layer"):
        build(genotype, (1, 8, 8), 3)


@pytest.mark.parametrize("op", ["conv", "sepconv", "maxpool"])
def test_spatial_layer_on_tabular_input_raises_a_clear_error(op: str) -> None:
    layer = Layer(op, width=8, kernel=3)
    genotype = ChainGenotype((Layer("dense", width=4), layer) if op == "maxpool" else (layer,))
    index = 1 if op == "maxpool" else 0
    with pytest.raises(
        GenotypeError, match=rf"layer {index} \({op}\) needs a spatial input; got tabular"
    ):
        build(genotype, (13,), 3)


@pytest.mark.parametrize("shape", [(), (1, 2, 3, 4)])
def test_unsupported_input_shape_raises(shape: tuple[int, ...]) -> None:
    with pytest.raises(GenotypeError, match="input_shape must be"):
        build(TABULAR, shape, 3)


def test_fewer_than_two_classes_raises() -> None:
    with pytest.raises(GenotypeError, match="num_classes must be >= 2"):
        build(TABULAR, (13,), 1)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"op": "attention", "width": 8}, "unknown layer op 'attention'"),
        ({"op": "conv", "width": 8, "kernel": 3, "activation": "swish"}, "unknown activation"),
        ({"op": "dense", "width": 8, "norm": "group"}, "unknown norm 'group'"),
        ({"op": "conv", "width": 0, "kernel": 3}, "needs width >= 1"),
        ({"op": "dense", "width": -4}, "needs width >= 1"),
        ({"op": "dense", "width": 8, "dropout": 1.0}, r"dropout must be in \[0, 1\)"),
        ({"op": "dense", "width": 8, "dropout": 1.5}, r"dropout must be in \[0, 1\)"),
        ({"op": "dense", "width": 8, "dropout": -0.1}, r"dropout must be in \[0, 1\)"),
        ({"op": "sepconv", "width": 8, "kernel": 0}, "needs kernel >= 1"),
        ({"op": "maxpool", "kernel": 1}, "needs a window >= 2"),
    ],
)
def test_invalid_layer_raises_genotype_error(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(GenotypeError, match=message):
        Layer(**kwargs)


def test_genotype_error_is_a_value_error() -> None:
    assert issubclass(GenotypeError, ValueError)


def test_unknown_global_pool_raises() -> None:
    with pytest.raises(GenotypeError, match="unknown global pool 'sum'"):
        ChainGenotype((), "sum")


@pytest.mark.parametrize(
    "data",
    [
        {"space": "cell", "layers": []},
        {"layers": [{"op": "conv", "widht": 8, "kernel": 3}]},
        {"layers": [{"op": "dense", "width": 0}]},
    ],
)
def test_bad_genotype_description_raises_genotype_error(data: dict[str, Any]) -> None:
    with pytest.raises(GenotypeError):
        ChainGenotype.from_dict(data)


def test_pools_are_canonical_so_equal_pools_hash_equal() -> None:
    a = Layer("maxpool", width=64, kernel=2, activation="gelu", norm="batch", dropout=0.5)
    b = Layer("maxpool", kernel=2)
    assert a == b
    assert ChainGenotype((a,)).hash() == ChainGenotype((b,)).hash()
    assert Layer("dense", width=8, kernel=5) == Layer("dense", width=8)


def test_describe_lists_spatial_layers_then_global_pool_then_dense_layers() -> None:
    genotype = ChainGenotype(
        (
            Layer("dense", width=64),
            Layer("conv", width=32, kernel=5, activation="gelu", norm="batch"),
            Layer("maxpool", kernel=2),
            Layer("sepconv", width=16, kernel=3, norm="layer", dropout=0.1),
        )
    )
    assert genotype.describe() == (
        "conv5x32-bn-gelu > maxpool2 > sepconv3x16-ln-relu-d0.1 > gavgp > dense64-relu > linear"
    )
