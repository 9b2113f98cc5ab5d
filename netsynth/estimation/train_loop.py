"""The training loop of every candidate: plain PyTorch, top to bottom in execution order.

Fast defaults: the whole dataset lives on the device as two tensors (no DataLoader, no
per-sample Python), batches are index slices of a seeded permutation, augmentation is
batched on the device; on CUDA also bf16 autocast, channels_last for images and fused
optimizers. One epoch = one pass over the (possibly subsampled) training split, then one
evaluation on the validation split. With an epoch checkpoint, the state after every epoch
is saved, and a checkpoint left by an earlier attempt of the same candidate is resumed: the
epochs it finished are reported again (not retrained) and training continues, with the
same batches and augmentations, as if it had never stopped.

Time: a ``deadline`` (a ``time.time()`` value) ends training at the first step past it —
mid-epoch if need be; that last, partial epoch is still evaluated and reported, so a
candidate stopped by the clock keeps a usable measurement. A ``time_budget`` (seconds) makes
the learning-rate schedule run on time instead of steps: its progress is the larger of the
share of steps done and the share of the budget used, and training ends when it reaches 1.
The schedule then anneals exactly when the time runs out, however fast this machine is —
budgeted training (Li, Yumer and Ramanan, ICLR 2020) rather than a schedule cut short.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import torch
import torch.nn.functional as F
from torch import nn

from netsynth.estimation.epoch_checkpoint import EpochCheckpoint
from netsynth.training_config import TrainingConfig

# on_epoch(epoch, metrics) -> True to stop early (the scheduler's decision)
EpochCallback = Callable[[int, dict[str, float]], bool]


@dataclass(frozen=True)
class TensorSplit:
    x: torch.Tensor  # (N, *input_shape) float32, normalized, on the training device
    y: torch.Tensor  # (N,) int64


@dataclass
class TrainResult:
    epochs: int = 0
    seconds: float = 0.0
    train_loss: float = math.nan
    val_loss: float | None = None
    val_acc: float | None = None
    best_val_acc: float | None = None
    curve: list[dict[str, float]] = field(default_factory=list)  # one entry per epoch
    stopped_early: bool = False
    resumed_from_epoch: int = 0  # epochs restored from an earlier attempt's checkpoint
    steps: int = 0  # optimizer steps taken in this call (a resumed attempt's not included)
    partial_epoch: bool = False  # the last epoch was cut short by the deadline or time budget


def _optimizer(model: nn.Module, config: TrainingConfig, fused: bool) -> torch.optim.Optimizer:
    # No weight decay on biases and norm parameters (the usual practice; it helps small nets).
    decay = [p for p in model.parameters() if p.ndim > 1]
    no_decay = [p for p in model.parameters() if p.ndim <= 1]
    groups = [
        {"params": decay, "weight_decay": config.weight_decay},
        {"params": no_decay, "weight_decay": 0.0},
    ]
    if config.optimizer == "sgd":
        return torch.optim.SGD(
            groups, lr=config.lr, momentum=config.momentum, nesterov=True, fused=fused or None
        )
    return torch.optim.AdamW(groups, lr=config.lr, fused=fused or None)


_WARMUP = 0.25  # share of a one-cycle schedule spent warming up
_ONECYCLE_START, _ONECYCLE_END = 1 / 25, 1 / 25e4  # torch's OneCycleLR defaults, as lr shares


def lr_share(schedule: str, progress: float) -> float:
    """The learning rate at ``progress`` in [0, 1] of a schedule, as a share of its peak:
    one-cycle (cosine warm-up from 1/25 of the peak, then cosine annealing, like torch's
    ``OneCycleLR``), cosine decay, or constant.

    >>> [round(lr_share("onecycle", p), 3) for p in (0.0, 0.25, 1.0)]
    [0.04, 1.0, 0.0]
    """
    p = min(max(progress, 0.0), 1.0)
    if schedule == "constant":
        return 1.0

    def cosine(start: float, end: float, t: float) -> float:
        return end + (start - end) * (1 + math.cos(math.pi * t)) / 2

    if schedule == "cosine":
        return cosine(1.0, 0.0, p)
    if p < _WARMUP:
        return cosine(_ONECYCLE_START, 1.0, p / _WARMUP)
    return cosine(1.0, _ONECYCLE_END, (p - _WARMUP) / (1 - _WARMUP))


class _TimedSchedule:
    """The learning rate set from the larger of step progress and time progress."""

    def __init__(
        self,
        optimizer: torch.optim.Optimizer,
        config: TrainingConfig,
        total_steps: int,
        budget: float,
    ) -> None:
        self.optimizer, self.config = optimizer, config
        self.total_steps, self.budget = max(total_steps, 1), budget
        self.started = time.perf_counter()
        self.steps = 0
        self._apply()

    @property
    def progress(self) -> float:
        used = (time.perf_counter() - self.started) / self.budget
        return max(self.steps / self.total_steps, used)

    def _apply(self) -> None:
        progress = self.progress
        lr = self.config.lr * lr_share(self.config.schedule, progress)
        momentum = _onecycle_momentum(progress) if self.config.schedule == "onecycle" else None
        for group in self.optimizer.param_groups:
            group["lr"] = lr
            if momentum is None:
                continue
            if "betas" in group:  # as torch's OneCycleLR: Adam's beta1 is the momentum
                group["betas"] = (momentum, *group["betas"][1:])
            elif "momentum" in group:
                group["momentum"] = momentum

    def step(self) -> None:
        self.steps += 1
        self._apply()


def _onecycle_momentum(progress: float) -> float:
    """The momentum of a one-cycle schedule (torch's defaults: 0.95 down to 0.85 while the
    rate warms up, back up to 0.95 while it anneals)."""
    high, low = 0.95, 0.85
    p = min(max(progress, 0.0), 1.0)
    if p < _WARMUP:
        t = p / _WARMUP
        return low + (high - low) * (1 + math.cos(math.pi * t)) / 2
    t = (p - _WARMUP) / (1 - _WARMUP)
    return high + (low - high) * (1 + math.cos(math.pi * t)) / 2


def _schedule(
    optimizer: torch.optim.Optimizer, config: TrainingConfig, total_steps: int
) -> torch.optim.lr_scheduler.LRScheduler:
    warmup = _WARMUP
    if config.schedule == "onecycle" and warmup * total_steps >= 2:
        return torch.optim.lr_scheduler.OneCycleLR(
            optimizer, max_lr=config.lr, total_steps=total_steps, pct_start=warmup
        )
    if config.schedule in ("onecycle", "cosine"):  # too short to warm up: plain cosine decay
        return torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=max(total_steps, 1))
    return torch.optim.lr_scheduler.LambdaLR(optimizer, lambda step: 1.0)


@torch.no_grad()
def evaluate(model: nn.Module, split: TensorSplit, batch_size: int = 1024) -> tuple[float, float]:
    """(accuracy, mean cross-entropy) of ``model`` on ``split``."""
    model.eval()
    correct, loss_sum = 0, 0.0
    autocast = split.x.device.type == "cuda"
    for start in range(0, len(split.y), batch_size):
        xb, yb = split.x[start : start + batch_size], split.y[start : start + batch_size]
        with torch.autocast("cuda", dtype=torch.bfloat16, enabled=autocast):
            logits = model(xb)
        loss_sum += F.cross_entropy(logits.float(), yb, reduction="sum").item()
        correct += int((logits.argmax(1) == yb).sum())
    n = max(len(split.y), 1)
    return correct / n, loss_sum / n


def train(
    model: nn.Module,
    data: TensorSplit,
    val: TensorSplit | None,
    config: TrainingConfig,
    *,
    augment: Callable[[torch.Tensor, torch.Generator], torch.Tensor] | None = None,
    seed: int = 0,
    on_epoch: EpochCallback | None = None,
    checkpoint: EpochCheckpoint | None = None,
    deadline: float | None = None,
    time_budget: float | None = None,
) -> TrainResult:
    """Train ``model`` in place on ``data`` for ``config.epochs`` epochs (fewer if
    ``on_epoch`` says stop); evaluate on ``val`` after every epoch when given. With
    ``checkpoint``, resume from its saved state and save the state after every epoch.
    ``deadline`` (``time.time()``) and ``time_budget`` (seconds): see the module docstring."""
    if time_budget is not None and checkpoint is not None:
        raise ValueError("a time-budgeted run cannot resume from epoch checkpoints")
    device = data.x.device
    cuda = device.type == "cuda"
    if cuda and data.x.ndim == 4:
        model = model.to(memory_format=torch.channels_last)  # type: ignore[call-overload]
    generator = torch.Generator(device=device).manual_seed(seed)
    n = len(data.y)
    batch_size = min(config.batch_size, n)
    # Drop the ragged last batch: a batch of one breaks batch norm, and shuffling every
    # epoch means every sample is still seen.
    steps_per_epoch = max(n // batch_size, 1)
    optimizer = _optimizer(model, config, fused=cuda)
    timed = (
        _TimedSchedule(optimizer, config, steps_per_epoch * config.epochs, time_budget)
        if time_budget is not None
        else None
    )
    schedule = _schedule(optimizer, config, steps_per_epoch * config.epochs)
    result = TrainResult()
    started = time.perf_counter()
    saved = checkpoint.load() if checkpoint is not None else None
    if saved is not None:
        _restore(saved, model, optimizer, schedule, generator, result)
        for entry in result.curve:  # the new attempt's record gets the whole curve
            epoch = int(entry["epoch"])
            if on_epoch is not None and on_epoch(epoch, _metrics(entry)):
                result.stopped_early = epoch + 1 < config.epochs
                return result
    for epoch in range(result.epochs, config.epochs):
        model.train()
        order = torch.randperm(n, device=device, generator=generator)
        loss_sum = torch.zeros((), device=device)  # summed on the device: no sync per step
        steps_done = 0
        for step in range(steps_per_epoch):
            if (deadline is not None and time.time() >= deadline) or (
                timed is not None and timed.progress >= 1.0
            ):
                result.partial_epoch = True
                break
            index = order[step * batch_size : (step + 1) * batch_size]
            xb, yb = data.x[index], data.y[index]
            if augment is not None and (config.augment > 0 or config.flip):
                xb = augment(xb, generator)
            with torch.autocast("cuda", dtype=torch.bfloat16, enabled=cuda):
                logits = model(xb)
            loss = F.cross_entropy(logits.float(), yb, label_smoothing=config.label_smoothing)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            if timed is not None:
                timed.step()
            else:
                schedule.step()
            loss_sum += loss.detach()
            steps_done += 1
        result.steps += steps_done
        if steps_done == 0 and result.epochs > 0:
            break  # out of time before this epoch began: the last epoch's results stand
        result.train_loss = float(loss_sum) / max(steps_done, 1)
        metrics = {"train_loss": result.train_loss}
        if val is not None:
            result.val_acc, result.val_loss = evaluate(model, val)
            best = result.best_val_acc
            result.best_val_acc = result.val_acc if best is None else max(best, result.val_acc)
            metrics.update(val_acc=result.val_acc, val_loss=result.val_loss)
        result.epochs = epoch + 1
        result.curve.append({"epoch": float(epoch), **metrics})
        if not math.isfinite(result.train_loss):
            raise FloatingPointError(
                f"training diverged: loss is {result.train_loss} at epoch {epoch}"
            )
        if checkpoint is not None:
            checkpoint.save(
                _state(model, optimizer, schedule, generator, result, time.perf_counter() - started)
            )
        if on_epoch is not None and on_epoch(epoch, metrics):
            result.stopped_early = epoch + 1 < config.epochs
            break
        if result.partial_epoch:
            result.stopped_early = True
            break
    if cuda:
        torch.cuda.synchronize()
    result.seconds += time.perf_counter() - started
    return result


def _metrics(entry: dict[str, float]) -> dict[str, float]:
    return {k: v for k, v in entry.items() if k != "epoch"}


def _state(
    model: nn.Module,
    optimizer: torch.optim.Optimizer,
    schedule: torch.optim.lr_scheduler.LRScheduler,
    generator: torch.Generator,
    result: TrainResult,
    seconds: float,
) -> dict[str, object]:
    """Everything needed to continue after epoch ``result.epochs`` as if never stopped."""
    state: dict[str, object] = {
        "epochs": result.epochs,
        "model": model.state_dict(),
        "optimizer": optimizer.state_dict(),
        "schedule": schedule.state_dict(),
        "generator": generator.get_state(),
        "cpu_rng": torch.get_rng_state(),
        "curve": result.curve,
        "best_val_acc": result.best_val_acc,
        "seconds": result.seconds + seconds,
    }
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        state["cuda_rng"] = torch.cuda.get_rng_state()
    return state


def _restore(
    state: dict[str, object],
    model: nn.Module,
    optimizer: torch.optim.Optimizer,
    schedule: torch.optim.lr_scheduler.LRScheduler,
    generator: torch.Generator,
    result: TrainResult,
) -> None:
    model.load_state_dict(state["model"])  # type: ignore[arg-type]
    optimizer.load_state_dict(state["optimizer"])  # type: ignore[arg-type]
    schedule.load_state_dict(state["schedule"])  # type: ignore[arg-type]
    generator.set_state(state["generator"])  # type: ignore[arg-type]
    torch.set_rng_state(state["cpu_rng"])  # type: ignore[arg-type]
    if "cuda_rng" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state(state["cuda_rng"])  # type: ignore[arg-type]
    curve = state["curve"]
    assert isinstance(curve, list)
    result.curve = [dict(entry) for entry in curve]
    result.epochs = int(state["epochs"])  # type: ignore[call-overload]
    result.resumed_from_epoch = result.epochs
    result.seconds = float(state["seconds"])  # type: ignore[arg-type]
    best = state["best_val_acc"]
    result.best_val_acc = None if best is None else float(best)  # type: ignore[arg-type]
    last = result.curve[-1] if result.curve else {}
    result.train_loss = float(last.get("train_loss", math.nan))
    if "val_acc" in last:
        result.val_acc, result.val_loss = float(last["val_acc"]), float(last["val_loss"])
