"""Repair a chain genotype for an input, so that impossible candidates never reach training.

Rules, applied in order:
- tabular inputs (no spatial axes): convolutions become dense layers of the same width,
  activation, norm and dropout; pools are dropped;
- dense layers go after all spatial layers (they follow the global pooling);
- a pool that would shrink a spatial axis below 1, or whose window is wider than the map
  allows (stride 2, no padding), is dropped.
The result is what is built, stored with the trial and hashed.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from netsynth.space.chain_genotype import POOL_OPS, ChainGenotype, Layer


def repair(genotype: ChainGenotype, input_shape: Sequence[int]) -> ChainGenotype:
    spatial_dims = len(input_shape) - 1  # (F,) -> 0, (C, L) -> 1, (C, H, W) -> 2
    layers = list(genotype.layers)
    if spatial_dims == 0:
        layers = [
            Layer("dense", layer.width, 0, layer.activation, layer.norm, layer.dropout)
            for layer in layers
            if layer.op not in POOL_OPS
        ]
    spatial = [layer for layer in layers if layer.is_spatial]
    dense = [layer for layer in layers if not layer.is_spatial]
    size = min(input_shape[1:]) if spatial_dims else 0
    kept = []
    for layer in spatial:
        if layer.op in POOL_OPS:
            if size <= 1 or layer.kernel > size + 1:
                continue  # nothing left to pool, or a window wider than the map allows
            size = math.ceil((size - layer.kernel) / 2) + 1 if size >= layer.kernel else 1
        kept.append(layer)
    return genotype.with_layers((*kept, *dense))
