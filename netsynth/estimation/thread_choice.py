"""Pick the number of CPU threads that trains a given network fastest on this machine, now.

More threads are not always faster: small networks spend their steps in thread hand-offs, and
on a machine whose cores are partly busy with other work, threads that wait for each other
can make a step several times slower than one thread alone (measured here: one epoch of a
small CNN took 6.7 s on one thread and 46 s on two while another process kept one core
busy). So a long training run (the final retraining) first times a few steps at each thread
count and keeps the fastest. CUDA devices are left alone.
"""

from __future__ import annotations

import copy
import os
import time
from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import nn

PROBE_STEPS = 3  # timed steps per thread count, after one warm-up step


def thread_options() -> list[int]:
    """One thread, and every core (when there is more than one)."""
    cores = os.cpu_count() or 1
    return sorted({1, cores})


def fastest_threads(
    model: nn.Module, x: torch.Tensor, y: torch.Tensor, options: Sequence[int] | None = None
) -> int:
    """The thread count among ``options`` whose forward and backward passes of ``model`` on
    the batch ``x``, ``y`` are fastest (the model itself is not changed). Leaves torch's
    thread count as it found it."""
    options = list(options or thread_options())
    if x.device.type != "cpu" or len(options) == 1:
        return torch.get_num_threads()
    probe = copy.deepcopy(model).train()
    before = torch.get_num_threads()
    timings: dict[int, float] = {}
    try:
        for threads in options:
            torch.set_num_threads(threads)
            best = float("inf")
            for step in range(PROBE_STEPS + 1):
                started = time.perf_counter()
                F.cross_entropy(probe(x), y).backward()
                if step:  # the first is a warm-up
                    best = min(best, time.perf_counter() - started)
            timings[threads] = best
    finally:
        torch.set_num_threads(before)
    return min(timings, key=lambda t: timings[t])
