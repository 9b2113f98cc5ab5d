"""Turning genotypes into PyTorch modules: layer ops, ``build``, repair, size and FLOPs."""

from netsynth.nn.build import build
from netsynth.nn.complexity import count_flops, count_params, measure_latency
from netsynth.space.chain_repair import repair

__all__ = ["build", "count_flops", "count_params", "measure_latency", "repair"]
