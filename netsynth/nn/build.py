"""``build(genotype, input_shape, num_classes)``: a pure function from plain data to a module,
for a genotype of any space.

Input shapes are ``(F,)`` for tables, ``(C, L)`` for sequences and ``(C, H, W)`` for images.
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from typing import Any

from torch import nn

from netsynth.space.genotype import Genotype, GenotypeError

# genotype space -> "module:function(genotype, input_shape, num_classes, width_multiplier)"
BUILDERS = {
    "chain": "netsynth.nn.chain_net:build_chain",
    "dag": "netsynth.nn.dag_net:build_dag",
    "cell": "netsynth.nn.cell_net:build_cell_net",
    "nb201": "netsynth.nn.nb201_net:build_nb201",
    "zoo": "netsynth.nn.zoo:build_zoo",
}


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
    kind = genotype.to_dict().get("space", "chain")
    if kind not in BUILDERS:
        raise GenotypeError(f"no builder for genotypes of space {kind!r}")
    module, _, name = BUILDERS[kind].partition(":")
    builder: Any = getattr(importlib.import_module(module), name)
    model: nn.Module = builder(
        genotype, tuple(input_shape), num_classes, width_multiplier=width_multiplier
    )
    return model
