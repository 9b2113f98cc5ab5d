"""``build_zoo``: the network of a zoo genotype for an input shape and a number of classes."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace

from torch import nn

from netsynth.nn.zoo.weights import load_matching_weights
from netsynth.registry import Registry
from netsynth.space.genotype import Genotype, GenotypeError
from netsynth.space.zoo_genotype import ZooGenotype, check_family_input

FamilyBuilder = Callable[[ZooGenotype, tuple[int, ...], int], nn.Module]

# family -> "module:function(genotype, input_shape, num_classes)", imported on first use.
FAMILY_BUILDERS: Registry[FamilyBuilder] = Registry(
    "zoo family",
    {
        "resnet": "netsynth.nn.zoo.resnet:build_resnet",
        "wideresnet": "netsynth.nn.zoo.wide_resnet:build_wide_resnet",
        "mobilenet": "netsynth.nn.zoo.mobilenet:build_mobilenet",
        "efficientnet": "netsynth.nn.zoo.efficientnet:build_efficientnet",
        "vgg": "netsynth.nn.zoo.vgg:build_vgg",
        "mlp": "netsynth.nn.zoo.mlp:build_mlp",
    },
    error=GenotypeError,
)


def build_zoo(
    genotype: Genotype,
    input_shape: Sequence[int],
    num_classes: int,
    *,
    width_multiplier: float = 1.0,
) -> nn.Module:
    """The network of ``genotype``; ``width_multiplier`` (a lower-fidelity trial's) multiplies
    the genotype's own. Raises ``GenotypeError`` for an input the family cannot take.

    >>> import torch
    >>> net = build_zoo(ZooGenotype("resnet", "8"), (1, 40), 10)
    >>> net(torch.zeros(2, 1, 40)).shape
    torch.Size([2, 10])
    """
    if not isinstance(genotype, ZooGenotype):
        raise GenotypeError(f"build_zoo takes zoo genotypes, got {type(genotype).__name__}")
    shape = tuple(int(n) for n in input_shape)
    check_family_input(genotype.family, shape)
    if num_classes < 2:
        raise GenotypeError(f"num_classes must be >= 2, got {num_classes}")
    scaled = replace(genotype, width_multiplier=genotype.width_multiplier * width_multiplier)
    model = FAMILY_BUILDERS.resolve(genotype.family)(scaled, shape, num_classes)
    if genotype.weights is not None:
        load_matching_weights(model, genotype.weights, genotype.family)
    return model
