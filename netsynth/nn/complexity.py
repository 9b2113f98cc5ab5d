"""Model size and cost: parameters, FLOPs and latency of one forward pass for one sample.

FLOPs are counted by PyTorch's own ``torch.utils.flop_counter`` (matrix multiplies and
convolutions, 2 FLOPs per multiply-add); elementwise ops and norms are not counted.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn
from torch.utils.flop_counter import FlopCounterMode


def count_params(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def count_flops(model: nn.Module, input_shape: Sequence[int]) -> int:
    device = next((p.device for p in model.parameters()), torch.device("cpu"))
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad(), FlopCounterMode(display=False) as counter:
            model(torch.zeros(1, *input_shape, device=device))
    finally:
        model.train(was_training)
    return int(counter.get_total_flops())


def measure_latency(
    model: nn.Module, input_shape: Sequence[int], *, repeats: int = 20, warmup: int = 3
) -> float:
    """Median milliseconds of one forward pass for one sample on the model's device (eval
    mode, no gradients; CUDA timed with events)."""
    import statistics
    import time

    device = next((p.device for p in model.parameters()), torch.device("cpu"))
    was_training = model.training
    model.eval()
    x = torch.zeros(1, *input_shape, device=device)
    times: list[float] = []
    try:
        with torch.no_grad():
            for i in range(warmup + repeats):
                if device.type == "cuda":
                    start, end = (
                        torch.cuda.Event(enable_timing=True),
                        torch.cuda.Event(enable_timing=True),
                    )
                    start.record()
                    model(x)
                    end.record()
                    torch.cuda.synchronize(device)
                    elapsed = start.elapsed_time(end)
                else:
                    began = time.perf_counter()
                    model(x)
                    elapsed = (time.perf_counter() - began) * 1000
                if i >= warmup:
                    times.append(elapsed)
    finally:
        model.train(was_training)
    return statistics.median(times)
