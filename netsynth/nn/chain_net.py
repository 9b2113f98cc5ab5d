"""The network of a chain genotype.

input (N, *input_shape) ─► spatial layers ─► global pooling ─► dense layers ─► linear ─► logits
"""

from __future__ import annotations

from collections.abc import Sequence

from torch import nn

from netsynth.nn.classifier_net import ClassifierNet, global_pool
from netsynth.nn.layers import dense_layer, out_channels, spatial_layer
from netsynth.space.chain_genotype import ChainGenotype
from netsynth.space.genotype import GenotypeError

ChainNet = ClassifierNet  # the name chain networks had before zoo networks shared the class


def build_chain(
    genotype: ChainGenotype,
    input_shape: Sequence[int],
    num_classes: int,
    *,
    width_multiplier: float = 1.0,
) -> ClassifierNet:
    """A ``ClassifierNet`` for inputs of ``input_shape`` (``(F,)``, ``(C, L)`` or ``(C, H, W)``).

    Raises ``GenotypeError`` for a genotype the input cannot take; ``netsynth.nn.repair``
    fixes such genotypes beforehand.

    >>> import torch
    >>> from netsynth.space.chain_genotype import Layer
    >>> net = build_chain(ChainGenotype((Layer("conv", 8, 3),)), (1, 40), 10)
    >>> net(torch.zeros(2, 1, 40)).shape
    torch.Size([2, 10])
    """
    if len(input_shape) not in (1, 2, 3):
        raise GenotypeError(
            f"input_shape must be (F,), (C, L) or (C, H, W); got {tuple(input_shape)}"
        )
    if num_classes < 2:
        raise GenotypeError(f"num_classes must be >= 2, got {num_classes}")
    dims = len(input_shape) - 1
    channels = input_shape[0]
    features: list[nn.Module] = []
    seen_dense = False
    for index, layer in enumerate(genotype.layers):
        if not layer.is_spatial:
            seen_dense = True
            continue
        if dims == 0:
            raise GenotypeError(f"layer {index} ({layer.op}) needs a spatial input; got tabular")
        if seen_dense:
            raise GenotypeError(f"layer {index} ({layer.op}) comes after a dense layer")
        features.append(spatial_layer(layer, channels, dims, width_multiplier))
        channels = out_channels(layer, channels, width_multiplier)
    pool = nn.Identity() if dims == 0 else global_pool(dims, genotype.global_pool)
    head: list[nn.Module] = []
    for layer in genotype.layers:
        if layer.is_spatial:
            continue
        head.append(dense_layer(layer, channels, width_multiplier))
        channels = head[-1][0].out_features  # type: ignore[index]
    head.append(nn.Linear(channels, num_classes))
    return ClassifierNet(nn.Sequential(*features), pool, nn.Sequential(*head))
