"""``build(genotype, input_shape, num_classes)``: a pure function from plain data to a module,
for a genotype of any space.

Input shapes are ``(F,)`` for tables, ``(C, L)`` for sequences and ``(C, H, W)`` for images.
Each space's class names the builder of its genotypes (``builder``), imported on first use.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from torch import nn

from netsynth.registry import load
from netsynth.space.genotype import Genotype
from netsynth.space.space_kinds import builder_target


def build(
    genotype: Genotype,
    input_shape: Sequence[int],
    num_classes: int,
    *,
    width_multiplier: float = 1.0,
) -> nn.Module:
    """The ``nn.Module`` of ``genotype``; raises ``GenotypeError`` if the input cannot take it.

    >>> import torch
    >>> from netsynth.space.chain_genotype import ChainGenotype, Layer
    >>> net = build(ChainGenotype((Layer("conv", 8, 3),)), (1, 40), 10)
    >>> net(torch.zeros(2, 1, 40)).shape
    torch.Size([2, 10])
    """
    builder: Any = load(builder_target(genotype.to_dict().get("space", "chain")))
    model: nn.Module = builder(
        genotype, tuple(input_shape), num_classes, width_multiplier=width_multiplier
    )
    return model
