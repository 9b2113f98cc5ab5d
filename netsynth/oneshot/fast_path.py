"""The GPU fast path of a supernet's training, and nothing on CPU.

On CUDA: channels_last memory format (2-D inputs), bf16 autocast, fused optimizers,
optionally torch.compile; peak memory from the CUDA allocator. On CPU every helper is the
plain fp32 eager path, so tests and examples run here unchanged.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator

import torch
from torch import nn


def on_cuda(device: torch.device) -> bool:
    return device.type == "cuda" and torch.cuda.is_available()


def prepare(model: nn.Module, device: torch.device, dims: int) -> nn.Module:
    """``model`` on ``device``; channels_last for 2-D convolutions on CUDA."""
    model = model.to(device)
    if on_cuda(device) and dims == 2:
        model = model.to(memory_format=torch.channels_last)  # type: ignore[call-overload]
    return model


def maybe_compile(model: nn.Module, device: torch.device, enabled: bool) -> nn.Module:
    if enabled and on_cuda(device):
        return torch.compile(model)  # type: ignore[return-value]
    return model


@contextlib.contextmanager
def autocast(device: torch.device) -> Iterator[None]:
    """bf16 autocast on CUDA; nothing on CPU (fp32)."""
    if on_cuda(device):
        with torch.autocast("cuda", dtype=torch.bfloat16):
            yield
    else:
        yield


def sgd(params: Iterable[nn.Parameter], device: torch.device, **options: float) -> torch.optim.SGD:
    return torch.optim.SGD(params, fused=on_cuda(device) or None, **options)  # type: ignore[arg-type]


def adam(
    params: Iterable[nn.Parameter], device: torch.device, **options: object
) -> torch.optim.Adam:
    return torch.optim.Adam(params, fused=on_cuda(device) or None, **options)  # type: ignore[arg-type]


def reset_peak_memory(device: torch.device) -> None:
    if on_cuda(device):
        torch.cuda.reset_peak_memory_stats(device)


def peak_memory_bytes(device: torch.device) -> int | None:
    """Peak bytes the CUDA allocator held since the last reset; None on CPU."""
    return int(torch.cuda.max_memory_allocated(device)) if on_cuda(device) else None
