"""Calibrate a ``CostModel``: time a few probe networks on the user's data, fit coefficients.

How fast a network trains depends on the machine, the thread count, the input and the kind
of layers far more than on FLOPs alone: on a CPU a depthwise convolution runs at a few
percent of a dense one's FLOP rate, batch norm and activations at high resolution cost time
without any FLOPs, and a tiny network is all per-operation overhead. So at the start of an
experiment ``calibrate`` trains a dozen probe networks built for the real input shape,
chosen to spread the features of ``cost_model.CostFeatures`` (chains: bare linear, a dense
stack, thin and wide convolutions, an early-pooled deep stack, depthwise-separable stacks
with and without norms, pointwise layers; for sequences and images also a perceptron on the
flattened input, a small MobileNetV3 and a small cell network; for tables dense stacks
only), for a few real training steps each, exactly as ``train_loop.train`` runs them (index
a batch from the resident tensors, forward, cross-entropy, backward, AdamW step, one-cycle
schedule step; bf16 autocast and channels-last on CUDA), at the trial batch size and at a
quarter of it (which separates per-step from per-sample costs), plus forward-only evaluation
batches and one batched augmentation. The warm-up step of each is not timed; CUDA is
synchronized before every clock read. On a CPU each timing is scaled by the share of CPU
time the process actually got (process CPU time over threads x wall time), so other jobs
that happen to load the machine during the calibration do not inflate the model: it predicts
epochs of trials that have their cores to themselves, as netsynth runs them (the share is
recorded in ``extras["cpu_share"]``).

The fit is non-negative least squares on relative error (each row divided by its time), so
a 2 ms probe counts as much as a 2 s one, pulled towards a prior (the coefficients' shape
on one CPU thread, scaled by the fitted overall speed of this machine): with two probes the
model is essentially that prior times one fitted speed, with every probe the data speak for
themselves. Probes run cheap and informative ones first, and only while the ``seconds``
budget lasts: a probe whose predicted warm-up and first step do not fit in its share of what
is left runs at a quarter or a sixteenth of the batch, or is skipped when even that does not
fit, so even 3x224x224 images finish on time, with fewer probes, smaller batches and fewer
steps.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from scipy.optimize import nnls
from torch import nn

from netsynth.data.augmentation import augment
from netsynth.estimation.cost_model import (
    EVAL_BATCH,
    EVAL_TERMS,
    STEP_TERMS,
    TRAIN_TERMS,
    CostFeatures,
    CostModel,
    cost_features,
    term_values,
)
from netsynth.nn.build import build
from netsynth.space.cell_genotype import Cell, CellGenotype
from netsynth.space.chain_genotype import ChainGenotype, Layer
from netsynth.space.chain_repair import repair
from netsynth.space.genotype import Genotype, GenotypeError
from netsynth.space.zoo_genotype import ZooGenotype

# Seconds per unit of each term on one CPU thread (fitted on this project's spaces): the
# shape the fit starts from. Only ratios matter much; the overall scale is refitted.
PRIOR_TRAIN: dict[str, float] = {
    "step": 1e-4,
    "ops": 1.5e-5,
    "param_tensors": 1e-4,
    "params": 2e-9,
    "sample": 2e-6,
    "inputs": 1.5e-9,
    "flops": 2.5e-11,
    "matmul_flops": 1e-11,
    "grouped_flops": 3e-10,
    "large_grouped_flops": 5e-10,
    "dilated_flops": 3e-9,
    "grouped_outputs": 5e-9,
    "grouped_planes": 1e-7,
    "conv_elements": 1e-9,
    "conv_grad_positions": 5e-8,
    "norm_elements": 5e-9,
    "pool_elements": 6e-9,
    "activations": 2e-9,
}
PRIOR_EVAL: dict[str, float] = {
    "step": 1e-4,
    "ops": 4e-6,
    "sample": 1e-6,
    "inputs": 5e-10,
    "flops": 1e-11,
    "matmul_flops": 4e-12,
    "grouped_flops": 1e-10,
    "large_grouped_flops": 5e-11,
    "dilated_flops": 2e-10,
    "grouped_outputs": 2e-9,
    "grouped_planes": 3e-8,
    "conv_elements": 3e-10,
    "norm_elements": 5e-10,
    "pool_elements": 2e-9,
    "activations": 1e-9,
}
PRIOR_WEIGHT = 0.3  # how hard a coefficient is pulled to the scaled prior (relative units)
WARMUP_FACTOR = 4.0  # a first step may take this many steady steps (allocation, kernels)
KINDS = ("image", "sequence", "tabular")
# The order probes run in: the cheap ones that pin down the most coefficients first (a bare
# linear model, a thin convolution, dense layers, pools, depthwise stacks), so that a small
# budget still spreads the features; costly ones last, where the budget may skip them.
PRIORITY = (
    "linear",
    "dense64",
    "thin",
    "mlp",
    "dense256x2-bn",
    "pooled-deep",
    "separable-deep",
    "dense512x4-bn-gelu",
    "mlp-flat",
    "mobilenet",
    "separable",
    "pointwise",
    "dense1024x2",
    "cell",
    "wide",
    "separable-wide",
    "dense2048x3-bn",
    "dense-conv",
)


@dataclass
class ProbeTiming:
    """The timings of one probe: ``train`` and ``eval`` are ``(batch, seconds)`` rows, each
    the median of the timed repetitions at that batch size."""

    name: str
    features: CostFeatures
    train: list[tuple[int, float]] = field(default_factory=list)
    eval: list[tuple[int, float]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "features": self.features.to_dict(),
            "train": [list(row) for row in self.train],
            "eval": [list(row) for row in self.eval],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ProbeTiming:
        return cls(
            str(data["name"]),
            CostFeatures.from_dict(data["features"]),
            [(int(b), float(s)) for b, s in data["train"]],
            [(int(b), float(s)) for b, s in data["eval"]],
        )


def probe_genotypes(kind: str, input_shape: Sequence[int]) -> list[tuple[str, Genotype]]:
    """The probe networks for ``kind`` data, repaired for ``input_shape`` (a pool the input
    is too small for is dropped) and without duplicates: chain networks, and for sequences
    and images also a perceptron on the flattened input, a small MobileNetV3 and a small
    cell network (dilated convolutions, sums and concatenations, which chains lack)."""
    if kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r}; expected one of {', '.join(KINDS)}")

    def conv(width: int, kernel: int, norm: str = "batch", act: str = "relu") -> Layer:
        return Layer("conv", width, kernel, act, norm)

    def sep(width: int, kernel: int, act: str = "relu", norm: str = "batch") -> Layer:
        return Layer("sepconv", width, kernel, act, norm)

    def dense(width: int, norm: str = "none", act: str = "relu", dropout: float = 0.0) -> Layer:
        return Layer("dense", width, 0, act, norm, dropout)

    pool = Layer("maxpool", kernel=2)
    if kind == "tabular" or len(input_shape) == 1:
        layers: list[tuple[str, tuple[Layer, ...]]] = [
            ("linear", ()),
            ("dense64", (dense(64),)),
            ("dense256x2-bn", (dense(256, "batch"), dense(256, "batch"))),
            ("dense512x4-bn-gelu", tuple(dense(512, "batch", "gelu", 0.1) for _ in range(4))),
            ("dense1024x2", (dense(1024), dense(1024))),
            ("dense2048x3-bn", tuple(dense(2048, "batch") for _ in range(3))),
        ]
    else:
        layers = [
            ("linear", ()),
            ("mlp", tuple(dense(256, "batch") for _ in range(3))),
            ("thin", (conv(8, 3, "none"),)),
            (
                "pooled-deep",
                (
                    pool,
                    conv(32, 3),
                    conv(32, 3),
                    pool,
                    conv(64, 3),
                    conv(64, 3),
                    pool,
                    conv(128, 3),
                    dense(64),
                ),
            ),
            ("separable", (sep(32, 5), pool, sep(64, 3, "gelu"), sep(64, 7, norm="none"))),
            ("pointwise", (conv(64, 1, act="gelu"), conv(64, 1, act="silu"))),
            ("wide", (conv(64, 5), conv(64, 3, "none"))),
            ("separable-wide", (pool, conv(128, 3), sep(128, 7, norm="none"), sep(256, 3))),
            # Depthwise convolutions on many channels of tiny maps, as the late stages of
            # MobileNets and EfficientNets: per-channel overheads dominate there.
            (
                "separable-deep",
                (pool, conv(32, 3), pool, sep(96, 5), pool, sep(192, 5), pool, sep(384, 5)),
            ),
            ("dense-conv", (conv(128, 3), conv(128, 3))),
        ]
    genotypes: list[tuple[str, Genotype]] = [
        (name, repair(ChainGenotype(chain), input_shape)) for name, chain in layers
    ]
    if kind != "tabular" and len(input_shape) > 1:
        # A perceptron on the flattened input (chains pool globally first), and a small
        # MobileNetV3: squeeze-and-excitation, hard-swish, residual sums, depthwise stages.
        genotypes.append(("mlp-flat", ZooGenotype("mlp", "2x256")))
        genotypes.append(
            (
                "mobilenet",
                ZooGenotype("mobilenet", "v3_small", width_multiplier=0.5, depth_multiplier=0.5),
            )
        )
        cell = Cell(
            (
                (("dil_conv_3x3", 1), ("sep_conv_3x3", 0)),
                (("dil_conv_5x5", 2), ("skip_connect", 1)),
                (("max_pool_3x3", 3), ("conv_3x3", 2)),
            )
        )
        cells = CellGenotype(cell, cell, cells_per_stage=(1, 1), init_channels=4)
        try:
            cells.check_input(input_shape)
            genotypes.append(("cell", cells))
        except GenotypeError:
            pass  # too small for one reduction: the chains have to do
    probes: list[tuple[str, Genotype]] = []
    seen: set[str] = set()
    order = {name: rank for rank, name in enumerate(PRIORITY)}
    for name, genotype in sorted(genotypes, key=lambda probe: order.get(probe[0], len(order))):
        if genotype.hash() not in seen:
            seen.add(genotype.hash())
            probes.append((name, genotype))
    return probes


def prior_model(device: str = "cpu", threads: int | None = None) -> CostModel:
    """The uncalibrated model: one CPU thread's coefficients."""
    return CostModel(
        train=dict(PRIOR_TRAIN),
        eval=dict(PRIOR_EVAL),
        augment=1e-6,
        device=device,
        threads=threads if threads is not None else torch.get_num_threads(),
    )


def calibrate(
    x: torch.Tensor,
    y: torch.Tensor,
    num_classes: int,
    *,
    kind: str,
    batch_size: int = 128,
    seconds: float = 20.0,
    seed: int = 0,
) -> CostModel:
    """A ``CostModel`` for training on ``x`` (``(N, *input_shape)``, normalized, on the
    training device) and ``y`` (``(N,)`` int64 labels) with the thread count in effect now.

    Times probe networks (see ``probe_genotypes``, in ``PRIORITY`` order) for about
    ``seconds`` in all, each at the trial batch size or, where that does not fit its share
    of the time, a smaller one; never starts one whose predicted warm-up and first step
    would not fit in what is left (the first, a bare linear model, always runs); then fits
    the coefficients. Deterministic given ``seed`` except
    for the timings themselves (and which probes the budget lets in)."""
    started = time.perf_counter()
    cpu_started = time.process_time()
    deadline = started + max(float(seconds), 0.0)
    if kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r}; expected one of {', '.join(KINDS)}")
    if len(x) != len(y) or len(x) < 2:
        raise ValueError(f"need at least 2 samples with one label each, got {len(x)}, {len(y)}")
    input_shape = tuple(int(n) for n in x.shape[1:])
    device = x.device
    threads = torch.get_num_threads()
    batch = max(min(int(batch_size), len(x)), 2)
    small = max(batch // 4, 2) if batch >= 8 else 0
    tiny = max(batch // 16, 2) if batch >= 32 else 0
    probes = [
        (name, genotype, cost_features(genotype, input_shape, num_classes))
        for name, genotype in probe_genotypes(kind, input_shape)
    ]
    prior = prior_model(str(device), threads)
    generator = torch.Generator(device=device).manual_seed(seed)
    augment_seconds = _time_augment(x, kind, batch, generator, deadline)
    timings: list[ProbeTiming] = []
    current = prior
    skipped: list[str] = []
    for index, (name, genotype, features) in enumerate(probes):
        remaining = deadline - time.perf_counter()
        left = len(probes) - index
        # The trial batch size if its warm-up and a step fit in the probe's share of the time
        # left, else a smaller one (on huge inputs a conv probe at the full batch would eat
        # the budget); the small batch too only at the full one.
        share = remaining / left
        sizes = [size for size in (batch, small, tiny) if size]
        size = next(
            (b for b in sizes if current.step_seconds(features, b) * (WARMUP_FACTOR + 1) <= share),
            sizes[-1],
        )
        step = current.step_seconds(features, size)
        if timings and step * (WARMUP_FACTOR + 1) > remaining:
            skipped.append(name)
            continue
        share = max(share, step * (WARMUP_FACTOR + 3))
        probe_deadline = min(time.perf_counter() + share, deadline) if timings else deadline
        timing = ProbeTiming(name, features)
        with torch.random.fork_rng(devices=[device] if device.type == "cuda" else []):
            torch.manual_seed(seed + index)
            net = build(genotype, input_shape, num_classes).to(device)
        extra = small if size == batch else 0
        _time_probe(net, timing, x, y, size, extra, generator, probe_deadline, current, features)
        timings.append(timing)
        current = fit(timings, prior, augment=augment_seconds)
        del net
    model = fit(timings, prior, augment=augment_seconds)
    elapsed = time.perf_counter() - started
    # The share of the CPU this process got over the whole calibration (CPU only): well below
    # 1 on a machine other jobs load. Recorded for reference; every timing was already
    # scaled by its own share (see _uncontended).
    cpu_share = (time.process_time() - cpu_started) / max(elapsed * threads, 1e-9)
    return CostModel(
        train=model.train,
        eval=model.eval,
        augment=augment_seconds,
        device=_device_name(device),
        threads=threads,
        batch_size=batch,
        calibration_seconds=elapsed,
        probes=tuple(t.name for t in timings),
        fit_error=model.fit_error,
        extras={
            "input_shape": list(input_shape),
            "kind": kind,
            "skipped": skipped,
            "cpu_share": round(cpu_share, 3) if device.type == "cpu" else None,
            "timings": [t.to_dict() for t in timings],
        },
    )


def _device_name(device: torch.device) -> str:
    if device.type == "cuda":
        return f"cuda:{torch.cuda.get_device_name(device)}"
    return str(device)


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def _time_augment(
    x: torch.Tensor, kind: str, batch: int, generator: torch.Generator, deadline: float
) -> float:
    """Seconds per sample of one batched augmentation (median of a few, after a warm-up)."""
    xb = x[:batch]
    times: list[float] = []
    for repeat in range(4):
        if repeat >= 2 and time.perf_counter() > deadline:
            break
        _sync(x.device)
        began, cpu_began = time.perf_counter(), time.process_time()
        augment(xb, kind, 0.5, generator)
        _sync(x.device)
        if repeat:
            wall = time.perf_counter() - began
            times.append(_uncontended(wall, time.process_time() - cpu_began, x.device))
    return float(np.median(times)) / len(xb)


def _time_probe(
    model: nn.Module,
    timing: ProbeTiming,
    x: torch.Tensor,
    y: torch.Tensor,
    batch: int,
    small: int,
    generator: torch.Generator,
    deadline: float,
    current: CostModel,
    features: CostFeatures,
) -> None:
    """Fill ``timing``: training steps at ``batch`` then (if not 0) at ``small``, then
    evaluation batches (of 1024 samples, or fewer down to ``batch`` to fit the time), each
    measurement with a warm-up and as many repetitions as its share of the time to
    ``deadline`` allows (at least one)."""
    device = x.device
    cuda = device.type == "cuda"
    if cuda and x.ndim == 4:
        model = model.to(memory_format=torch.channels_last)  # type: ignore[call-overload]
    decay = [p for p in model.parameters() if p.ndim > 1]
    no_decay = [p for p in model.parameters() if p.ndim <= 1]
    optimizer = torch.optim.AdamW(
        [{"params": decay, "weight_decay": 5e-4}, {"params": no_decay, "weight_decay": 0.0}],
        lr=1e-3,
        fused=cuda or None,
    )
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=1e-3, total_steps=10**6)
    n = len(y)
    # One permutation, sliced step after step, as the training loop draws one per epoch.
    order = torch.randperm(n, device=device, generator=generator)
    position = [0]

    def train_step(size: int) -> Callable[[], None]:
        def run() -> None:
            model.train()
            start = position[0] if position[0] + size <= n else 0
            position[0] = start + size
            index = order[start : start + size]
            xb, yb = x[index], y[index]
            with torch.autocast("cuda", dtype=torch.bfloat16, enabled=cuda):
                logits = model(xb)
            loss = F.cross_entropy(logits.float(), yb)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            schedule.step()

        return run

    def eval_batch(size: int) -> Callable[[], None]:
        @torch.no_grad()
        def run() -> None:
            model.eval()
            xb, yb = x[:size], y[:size]
            with torch.autocast("cuda", dtype=torch.bfloat16, enabled=cuda):
                logits = model(xb)
            F.cross_entropy(logits.float(), yb, reduction="sum").item()
            int((logits.argmax(1) == yb).sum())

        return run

    # Shares of the probe's time: most to the trial batch size, the rest to the small batch
    # and to evaluation.
    now = time.perf_counter()
    total = max(deadline - now, 0.0)
    big = _repeat(train_step(batch), device, now + 0.5 * total, 20)
    timing.train.append((batch, big))
    if small and time.perf_counter() + (WARMUP_FACTOR + 1) * big * small / batch < deadline:
        share = time.perf_counter() + 0.4 * max(deadline - time.perf_counter(), 0.0)
        timing.train.append((small, _repeat(train_step(small), device, share, 12)))
    size = min(EVAL_BATCH, n)
    predicted = current.eval_seconds(features, size)
    while size > max(batch, 2) and 2 * predicted > deadline - time.perf_counter():
        size //= 2
        predicted = current.eval_seconds(features, size)
    size = min(size, n)
    if timing.train and 2 * predicted <= max(deadline - time.perf_counter(), 0.0):
        timing.eval.append((size, _repeat(eval_batch(size), device, deadline, 5)))


def _repeat(run: Callable[[], None], device: torch.device, deadline: float, most: int) -> float:
    """Median seconds of ``run`` over up to ``most`` timed calls after an untimed warm-up,
    stopping at ``deadline`` (at least one timed call). On a CPU each call's wall time is
    scaled by the share of its threads' CPU time the process got (see ``_uncontended``)."""
    # Warm-up, untimed: allocation, kernel selection, lazy initialization; a few calls for a
    # fast one (sub-millisecond steps are still slow the first times they run).
    began = time.perf_counter()
    for calls in range(1, 6):
        run()
        _sync(device)
        if time.perf_counter() - began > 0.02 * calls:
            break
    times: list[float] = []
    while len(times) < most and (not times or time.perf_counter() < deadline):
        began, cpu_began = time.perf_counter(), time.process_time()
        run()
        _sync(device)
        wall = time.perf_counter() - began
        times.append(_uncontended(wall, time.process_time() - cpu_began, device))
    return float(np.median(times))


def _uncontended(wall: float, cpu: float, device: torch.device) -> float:
    """The wall time a CPU computation would have taken with its threads' cores to itself:
    ``wall`` times the share of them it got (``cpu`` seconds of ``threads x wall``). Other
    jobs on the machine during calibration would otherwise inflate every coefficient, and
    trials run with cores of their own (threads = cores / workers). Not on a GPU."""
    if device.type != "cpu" or wall <= 0:
        return wall
    share = cpu / (wall * torch.get_num_threads())
    return wall * min(max(share, 0.05), 1.0)


def fit(
    timings: Sequence[ProbeTiming],
    prior: CostModel | None = None,
    *,
    augment: float = 0.0,
    prior_weight: float = PRIOR_WEIGHT,
) -> CostModel:
    """Fit train and eval coefficients to the probe ``timings``: least squares on relative
    error, non-negative, pulled towards ``prior`` scaled by this machine's overall speed
    (the geometric mean of timed / prior-predicted). No timings: the prior itself."""
    prior = prior or prior_model()
    train, train_error = _fit_rows(
        [(t.features, b, s) for t in timings for b, s in t.train],
        TRAIN_TERMS,
        prior.train,
        prior_weight,
    )
    evaluation, _ = _fit_rows(
        [(t.features, b, s) for t in timings for b, s in t.eval],
        EVAL_TERMS,
        prior.eval,
        prior_weight,
        fallback_scale=_scale(train, prior.train),
    )
    return CostModel(
        train=train,
        eval=evaluation,
        augment=augment,
        device=prior.device,
        threads=prior.threads,
        probes=tuple(t.name for t in timings),
        fit_error=train_error,
    )


def _scale(fitted: dict[str, float], prior: dict[str, float] | Any) -> float:
    ratios = [fitted[k] / prior[k] for k in fitted if prior.get(k, 0) > 0 and fitted[k] > 0]
    return float(np.exp(np.mean(np.log(ratios)))) if ratios else 1.0


def _fit_rows(
    rows: Sequence[tuple[CostFeatures, int, float]],
    terms: Sequence[str],
    prior: Any,
    prior_weight: float,
    fallback_scale: float = 1.0,
) -> tuple[dict[str, float], float]:
    """Coefficients of ``terms`` fitted to ``(features, batch, seconds)`` rows, and the
    geometric-mean factor between fitted and timed seconds over the rows."""
    base = np.array([float(prior.get(name, 0.0)) for name in terms])
    rows = [row for row in rows if row[2] > 0 and math.isfinite(row[2])]
    if not rows:
        return {n: float(c) for n, c in zip(terms, base * fallback_scale, strict=True)}, math.nan
    counts = np.array([term_values(f, b, terms) for f, b, _ in rows])
    seconds = np.array([s for _, _, s in rows])
    anchor = base * _speeds(counts, seconds, base, terms)  # the prior at this machine's speed
    # Unknowns u = coefficient / anchor (the prior is u = 1): rows of relative error plus
    # prior_weight * (u - 1) for each term.
    design = counts * anchor / seconds[:, None]
    stacked = np.vstack([design, prior_weight * np.eye(len(terms))])
    target = np.concatenate([np.ones(len(rows)), prior_weight * np.ones(len(terms))])
    solution, _ = nnls(stacked, target)
    coefficients = solution * anchor
    error = float(np.exp(np.mean(np.abs(np.log((counts @ coefficients) / seconds)))))
    return {n: float(c) for n, c in zip(terms, coefficients, strict=True)}, error


def _speeds(
    counts: np.ndarray, seconds: np.ndarray, base: np.ndarray, terms: Sequence[str]
) -> np.ndarray:
    """Per term, the factor that brings the prior to this machine: one for the per-step
    terms and one for the per-sample ones, fitted to the rows (relative error), since more
    threads or a faster device speed up arithmetic far more than per-operation overhead.
    One factor for all (their geometric mean ratio) when the rows cannot tell them apart."""
    single = float(np.exp(np.mean(np.log(seconds / (counts @ base)))))
    per_step = np.array([name in STEP_TERMS for name in terms])
    parts = np.stack([counts[:, per_step] @ base[per_step], counts[:, ~per_step] @ base[~per_step]])
    factors, _ = nnls((parts / seconds).T, np.ones(len(seconds)))
    if not (np.all(factors > 0) and np.all(np.isfinite(factors))) or len(seconds) < 3:
        return np.full(len(terms), single)
    return np.where(per_step, factors[0], factors[1])
