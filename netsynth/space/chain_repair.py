"""Repair a chain genotype for an input, so that impossible candidates never reach training.

Rules, applied in order:
- tabular inputs (no spatial axes): convolutions become dense layers of the same width,
  activation, norm and dropout; pools are dropped;
- dense layers go after all spatial layers (they follow the global pooling);
- a pool that would shrink a spatial axis below 1, or whose window is wider than the map
  allows (stride 2, no padding), is dropped;
- with ``full_resolution_width``: a convolution wider than that while the map is still large
  (an image side above 16, a sequence longer than 256) gets 2x2 max pooling put in front of
  it until the map is small enough — early downsampling, so that no candidate runs wide
  layers at the full resolution of a large input (their cost grows with the map's area).
The result is what is built, stored with the trial and hashed.

>>> big = ChainGenotype((Layer("conv", 16, 3), Layer("conv", 64, 3)))
>>> repair(big, (1, 28, 28), full_resolution_width=32).describe()
'conv3x16-relu > maxpool2 > conv3x64-relu > gavgp > linear'
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from netsynth.space.chain_genotype import POOL_OPS, ChainGenotype, Layer

LARGE_MAP = {1: 256, 2: 16}  # spatial dims -> the map size above which wide convs wait


def _pooled(size: int, window: int) -> int:
    """The map size after a pool of ``window`` with stride 2 and no padding."""
    return math.ceil((size - window) / 2) + 1 if size >= window else 1


def repair(
    genotype: ChainGenotype,
    input_shape: Sequence[int],
    *,
    full_resolution_width: int | None = None,
) -> ChainGenotype:
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
    large = LARGE_MAP.get(spatial_dims)
    kept = []
    for layer in spatial:
        if layer.op in POOL_OPS:
            if size <= 1 or layer.kernel > size + 1:
                continue  # nothing left to pool, or a window wider than the map allows
            size = _pooled(size, layer.kernel)
        elif full_resolution_width is not None and large is not None:
            while layer.width > full_resolution_width and size > large:
                kept.append(Layer("maxpool", kernel=2))
                size = _pooled(size, 2)
        kept.append(layer)
    return genotype.with_layers((*kept, *dense))
