"""DARTS search throughput: a plain fp32 eager loop (as the original DARTS code trains its
supernet) against netsynth's fast path, on the same supernet, in the same run.

CIFAR-10-shaped synthetic data (3x32x32, 10 classes), the DARTS cell-space supernet of the
paper's search: 8 cells (2 normal cells per stage, a reduction cell between stages), 4 nodes
per cell, the 8 DARTS ops on every edge, 16 initial channels; batch 64 and 256; images/s for
one full first-order bilevel step (an alpha step on a validation batch, then a weight step on
a training batch), peak CUDA memory, and the projected 50-epoch search over a 25k/25k split.
Without a GPU it says so and runs a CPU-sized variant (16x16 inputs, 8 channels, 5 cells:
1 normal cell per stage, batch 16 and 64).

    python benchmarks/darts_gpu.py [--compile]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

import torch
from torch import nn

from netsynth.oneshot import bilevel, fast_path
from netsynth.oneshot.darts_supernet import DartsCellSupernet
from netsynth.space.cell_genotype import DARTS_OPS, Cell, CellGenotype

OPS = tuple(DARTS_OPS)
NODES = 4


def supernet(shape: tuple[int, ...], channels: int, cells: int) -> DartsCellSupernet:
    """The supernet of a skeleton with ``cells`` normal cells per stage and three stages."""
    node = (("skip_connect", 0), ("skip_connect", 1))
    cell = Cell((node,) * NODES)  # the skeleton's own ops are ignored by the supernet
    skeleton = CellGenotype(cell, cell, (cells,) * 3, channels)
    return DartsCellSupernet(OPS, skeleton, shape, 10)


def plain_step(
    device: torch.device, batch: int, shape: tuple[int, ...], channels: int, cells: int
) -> tuple[Callable[[], None], nn.Module]:
    """The original DARTS code's loop: data from host memory to the device each step, fp32,
    the whole network's gradients computed for the alpha step, non-fused optimizers."""
    model = supernet(shape, channels, cells).to(device)
    weights = model.weights()
    w_opt = torch.optim.SGD(weights, lr=0.025, momentum=0.9, weight_decay=3e-4, foreach=False)
    a_opt = torch.optim.Adam(
        [model.alpha], lr=3e-4, betas=(0.5, 0.999), weight_decay=1e-3, foreach=False
    )
    host = (torch.randn(batch, *shape), torch.randint(0, 10, (batch,)))
    loss_fn = nn.CrossEntropyLoss()

    def step() -> None:
        x, y = host[0].to(device), host[1].to(device)
        xv, yv = host[0].to(device), host[1].to(device)
        a_opt.zero_grad()
        loss_fn(model(xv), yv).backward()
        a_opt.step()
        w_opt.zero_grad()
        loss_fn(model(x), y).backward()
        nn.utils.clip_grad_norm_(weights, 5.0)
        w_opt.step()

    return step, model


def fast_step(
    device: torch.device,
    batch: int,
    shape: tuple[int, ...],
    channels: int,
    cells: int,
    compile: bool,
) -> tuple[Callable[[], None], nn.Module]:
    """netsynth's: data resident on the device, bf16 autocast, channels_last, fused optimizers,
    alpha's step differentiating alpha only (optionally torch.compile) — on CUDA; on CPU the
    same code is fp32 eager."""
    net = fast_path.prepare(supernet(shape, channels, cells), device, len(shape) - 1)
    model = fast_path.maybe_compile(net, device, compile)
    weights = net.weights()  # type: ignore[operator]
    w_opt = fast_path.sgd(weights, device, lr=0.025, momentum=0.9, weight_decay=3e-4)
    a_opt = fast_path.adam([net.alpha], device, lr=3e-4, betas=(0.5, 0.999), weight_decay=1e-3)  # type: ignore[list-item]
    x = torch.randn(batch, *shape, device=device)
    y = torch.randint(0, 10, (batch,), device=device)
    if fast_path.on_cuda(device) and len(shape) == 3:
        x = x.to(memory_format=torch.channels_last)

    def loss(m: nn.Module, params: bilevel.Params, b: bilevel.Batch) -> torch.Tensor:
        return nn.functional.cross_entropy(model(b[0]), b[1])

    def step() -> None:
        with fast_path.autocast(device):
            bilevel.alpha_step(net, a_opt, (x, y), (x, y), order=1, xi=0.0, loss_fn=loss)
            bilevel.weight_step(net, w_opt, (x, y), weights, loss_fn=loss)

    return step, net


def images_per_second(
    step: Callable[[], None], batch: int, device: torch.device, steps: int
) -> float:
    for _ in range(2):  # warm-up (and compilation)
        step()
    if fast_path.on_cuda(device):
        torch.cuda.synchronize(device)
        start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        start.record()
        for _ in range(steps):
            step()
        end.record()
        torch.cuda.synchronize(device)
        return batch * steps / (start.elapsed_time(end) / 1000)
    began = time.perf_counter()
    for _ in range(steps):
        step()
    return batch * steps / (time.perf_counter() - began)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--compile", action="store_true", help="torch.compile the fast path")
    parser.add_argument("--steps", type=int, default=None)
    args = parser.parse_args()
    cuda = torch.cuda.is_available()
    device = torch.device("cuda" if cuda else "cpu")
    if cuda:
        name, shape, channels, cells, batches, steps = (
            torch.cuda.get_device_name(),
            (3, 32, 32),
            16,
            2,
            (64, 256),
            args.steps or 30,
        )
    else:
        torch.set_num_threads(1)
        print(
            "no GPU: running the CPU-sized variant "
            "(16x16 inputs, 8 channels, 1 normal cell per stage = 5 cells, 1 thread)"
        )
        name, shape, channels, cells, batches, steps = (
            "CPU",
            (3, 16, 16),
            8,
            1,
            (16, 64),
            args.steps or 5,
        )
    print(
        f"device: {name}; DARTS cell supernet, {3 * cells + 2} cells of {NODES} nodes, "
        f"ops {', '.join(OPS)}; {channels} initial channels; input {shape}"
    )
    print(
        "| batch | plain fp32 eager img/s | fast path img/s | ratio | fast peak MiB "
        "| projected 50-epoch search (25k/25k) |"
    )
    print("| --- | --- | --- | --- | --- | --- |")
    for batch in batches:
        plain, _ = plain_step(device, batch, shape, channels, cells)
        plain_rate = images_per_second(plain, batch, device, steps)
        fast_path.reset_peak_memory(device)
        fast, _ = fast_step(device, batch, shape, channels, cells, args.compile)
        fast_rate = images_per_second(fast, batch, device, steps)
        peak = fast_path.peak_memory_bytes(device)
        hours = 50 * 25_000 / fast_rate / 3600  # one step consumes a train and a val batch
        print(
            f"| {batch} | {plain_rate:.0f} | {fast_rate:.0f} | {fast_rate / plain_rate:.2f}x | "
            f"{'n/a' if peak is None else f'{peak / 2**20:.0f}'} | {hours:.2f} h |",
            flush=True,
        )


if __name__ == "__main__":
    main()
