"""netsynth against a fixed hand-written CNN on real data, each given the same wall-clock limit.

    python benchmarks/real_data.py --dataset fashion-mnist|mnist1d|digits --limit 15m
        [--storage URL] [--out results.jsonl] [--skip-netsynth] [--seed 0]
        [--netsynth-arg=--workers=2 ...]

One dataset and one limit per invocation; the two sides run one after the other, never at once:

1. **netsynth's minimal path.** The dataset is written as an .npz (``x``, ``y``, ``x_test``,
   ``y_test``) in a temporary folder, and ``netsynth run DATA.npz --time LIMIT --storage URL
   --name NAME --no-progress`` runs as a subprocess in ``benchmarks/results`` (where its
   export lands; the default storage is ``benchmarks/results/real_data.db``), timed from
   launch to exit, interpreter start included. Its result is read back from the storage: the
   winner's test accuracy, architecture and parameter count (``attrs["final"]``,
   ``attrs["winner"]``, ``attrs["export"]``), with the exit code and, on failure, the last
   lines of its stderr.
2. **The baseline**, plain PyTorch (netsynth only loads the data): a 5-conv BN-CNN
   ``conv(w) conv(w) maxpool conv(2w) conv(2w) maxpool conv(4w) global-avg-pool linear``,
   w = 16, 3x3 kernels (padding 1), each conv followed by BatchNorm and ReLU; its 1-D twin for
   MNIST-1D sequences. AdamW (lr 3e-3, weight decay 5e-4), one-cycle schedule over all steps,
   batch 128, label smoothing 0.1, random shifts of up to 2 pixels (positions for sequences;
   zero padding then crop) and, for Fashion-MNIST only, random horizontal flips; inputs
   normalized with the training mean and std. It trains as many epochs as fit the limit, data
   loading included (planned from a measured step time and revised after each epoch), on the
   full training set and reports test accuracy, throughput and the load average. Its clock
   starts before the data is loaded (after the imports).
3. Both sides are printed with the differences, and one JSON line per invocation is appended
   to ``--out`` with everything printed, the date and the machine.

Datasets: ``fashion-mnist`` is read from Debian's dataset-fashion-mnist package
(``/usr/share/datasets/fashion-mnist``, 60,000 train / 10,000 test 28x28 images) by netsynth's
IDX reader; ``mnist1d`` is the standard 4,000 / 1,000 split of netsynth's built-in; ``digits``
(scikit-learn's 1,797 8x8 images, no test set of its own) gets one fixed stratified split, seeded
by ``--seed``, with 20% held out as the test set of both sides.
"""

from __future__ import annotations

import argparse
import collections
import datetime
import json
import math
import os
import platform
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import numpy as np
import torch
import torch.nn.functional as F
from numpy.typing import NDArray
from torch import Tensor, nn

from netsynth.data import load_dataset

RESULTS = Path(__file__).resolve().parent / "results"
DEFAULT_OUT = RESULTS / "real_data.jsonl"
DEFAULT_TABLE = RESULTS / "real_data.md"  # what the docs quote, rewritten after each run
DEFAULT_STORAGE = f"sqlite:///{RESULTS / 'real_data.db'}"  # *.db is ignored by git
# netsynth runs in RESULTS, so its exports go to RESULTS/netsynth-models (ignored by git too)
FASHION_MNIST = "/usr/share/datasets/fashion-mnist"
DATASETS = ("fashion-mnist", "mnist1d", "digits")
DIGITS_TEST_FRACTION = 0.2
STDERR_LINES = 40  # of a failed netsynth run's stderr, kept for the report

# the baseline's fixed recipe
WIDTH = 16
BATCH = 128
LR, WEIGHT_DECAY, LABEL_SMOOTHING = 3e-3, 5e-4, 0.1
SHIFT = 2  # pixels (positions for sequences)
EVAL_BATCH = 1000
# Planning the epochs: the step time is measured on a throwaway model for about this share of
# the limit (between PROBE_MIN_STEPS and PROBE_MAX_STEPS steps, after PROBE_WARMUP untimed
# steps), and this share of the limit (at least SAFETY_MIN seconds) is kept free for drift.
PROBE_SHARE, PROBE_MIN_STEPS, PROBE_MAX_STEPS, PROBE_WARMUP = 0.02, 5, 60, 3
SAFETY_SHARE, SAFETY_MIN = 0.02, 1.0
# Revising the plan: the epoch time is the median of the last REPLAN_WINDOW epochs; fewer
# epochs are planned as soon as the planned ones no longer fit, more only when at least 2 (and
# a fifth) more fit, so that noise does not move the schedule back and forth.
REPLAN_WINDOW = 5


@dataclass(frozen=True)
class Arrays:
    """A dataset's train and test arrays, as netsynth's loaders give them."""

    kind: str  # "image" (N, C, H, W) or "sequence" (N, C, L)
    x: NDArray[np.float32]
    y: NDArray[np.int64]
    x_test: NDArray[np.float32]
    y_test: NDArray[np.int64]
    num_classes: int


def parse_limit(text: str) -> float:
    """Seconds in ``90s``, ``2m``, ``1.5h`` or a bare number of seconds."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d*)?)\s*([smh]?)\s*", text.lower())
    if match is None or float(match[1]) <= 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a duration; use e.g. 90s, 15m, 1h")
    return float(match[1]) * {"s": 1.0, "m": 60.0, "h": 3600.0}[match[2] or "s"]


def load_arrays(dataset: str, seed: int) -> Arrays:
    """The train and test arrays of ``dataset``; digits gets its fixed stratified split."""
    source = FASHION_MNIST if dataset == "fashion-mnist" else dataset
    ds = load_dataset(source)
    if ds.x_test is not None and ds.y_test is not None:
        return Arrays(ds.kind, ds.x, ds.y, ds.x_test, ds.y_test, ds.num_classes)
    train, test = stratified_split(ds.y, DIGITS_TEST_FRACTION, seed)
    return Arrays(ds.kind, ds.x[train], ds.y[train], ds.x[test], ds.y[test], ds.num_classes)


def stratified_split(
    y: NDArray[np.int64], test_fraction: float, seed: int
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Train and test indices: each class divided on its own (round half up), seeded."""
    rng = np.random.default_rng(seed)
    train: list[NDArray[np.int64]] = []
    test: list[NDArray[np.int64]] = []
    for c in np.unique(y):
        members = rng.permutation(np.flatnonzero(y == c))
        n_test = int(np.floor(len(members) * test_fraction + 0.5))
        test.append(members[:n_test])
        train.append(members[n_test:])
    return np.sort(np.concatenate(train)), np.sort(np.concatenate(test))


# ---------------------------------------------------------------------------------------------
# netsynth


def run_netsynth(
    arrays: Arrays, dataset: str, limit_text: str, limit: float, url: str, extra: list[str]
) -> dict[str, Any]:
    """Write the .npz, run ``netsynth run`` on it as a subprocess and read its result."""
    name = f"real-{dataset}-{limit_text}-{datetime.datetime.now():%Y%m%d-%H%M%S}"
    with tempfile.TemporaryDirectory(prefix="netsynth-real-data-") as folder:
        data = Path(folder) / f"{dataset}.npz"
        np.savez(data, x=arrays.x, y=arrays.y, x_test=arrays.x_test, y_test=arrays.y_test)
        command = [
            sys.executable,
            "-m",
            "netsynth.cli",
            "run",
            str(data),
            "--time",
            limit_text,
            "--storage",
            url,
            "--name",
            name,
            "--no-progress",
            *extra,
        ]
        print(f"$ cd {RESULTS} && " + " ".join(command), flush=True)
        # generous: a run that overshoots is reported, one that hangs is interrupted
        exit_code, wall, tail, timed_out = run_teeing_stderr(command, 2 * limit + 300)
    result: dict[str, Any] = {
        "name": name,
        "storage": url,
        "command": command,
        "exit_code": exit_code,
        "wall_seconds": wall,
        "timed_out": timed_out,
    }
    if exit_code != 0:
        result["stderr_tail"] = tail
    result.update(read_experiment(url, name))
    return result


def absolute_storage(url: str) -> str:
    """``url`` with a relative SQLite path made absolute (from the current folder), since
    netsynth runs in the results folder and this process reads the same storage."""
    if url.endswith(".db") and "://" not in url:
        return f"sqlite:///{Path(url).resolve()}"
    scheme, sep, rest = url.partition(":///")
    if sep and scheme.split("+")[0] == "sqlite" and rest and not rest.startswith("/"):
        if rest != ":memory:":
            return f"{scheme}:///{Path(rest).resolve()}"
    return url


def run_teeing_stderr(command: list[str], timeout: float) -> tuple[int, float, list[str], bool]:
    """Run ``command`` (stdout to ours, stderr copied to ours and its last lines kept); its
    exit code, wall seconds, stderr tail and whether it was interrupted for running too long.
    The timeout sends SIGINT (netsynth then stops cleanly), then SIGKILL a minute later."""
    tail: collections.deque[str] = collections.deque(maxlen=STDERR_LINES)
    start = time.perf_counter()
    # in the results folder, so that the export (netsynth-models/NAME) lands there
    process = subprocess.Popen(command, cwd=RESULTS, stderr=subprocess.PIPE, text=True, bufsize=1)
    assert process.stderr is not None
    reader = threading.Thread(target=_copy_lines, args=(process.stderr, tail), daemon=True)
    reader.start()
    timed_out = False
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        timed_out = True
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    wall = time.perf_counter() - start
    reader.join(timeout=10)
    return process.returncode, wall, list(tail), timed_out


def _copy_lines(stream: IO[str], tail: collections.deque[str]) -> None:
    for line in stream:
        sys.stderr.write(line)
        tail.append(line.rstrip("\n"))


def read_experiment(url: str, name: str) -> dict[str, Any]:
    """The winner and run facts from the storage; ``{"error": ...}`` when there are none."""
    from netsynth.storage.storage import StorageError
    from netsynth.storage.url import open_storage

    try:
        storage = open_storage(url)
        try:
            record = storage.get_experiment(name)
            trials = len(storage.trials(record.id))
        finally:
            storage.close()
    except StorageError as error:
        return {"error": f"cannot read the experiment: {error}"}
    attrs = record.attrs
    found: dict[str, Any] = {
        "state": str(record.state.value),
        "reason": record.reason,
        "trials": trials,
        "winner": attrs.get("winner"),
        "export_folder": attrs.get("export", {}).get("folder"),
        "final": [
            {k: entry.get(k) for k in ("trial", "test_acc", "params", "epochs", "train_seconds")}
            | {"architecture": entry.get("architecture")}
            for entry in attrs.get("final", [])
        ],
    }
    winner = [e for e in attrs.get("final", []) if e.get("trial") == attrs.get("winner")]
    if winner:
        found.update(
            test_acc=winner[0].get("test_acc"),
            architecture=winner[0].get("architecture"),
            params=winner[0].get("params"),
            epochs=winner[0].get("epochs"),
            train_seconds=winner[0].get("train_seconds"),
        )
    else:
        found["error"] = "the experiment has no tested winner"
    return found


# ---------------------------------------------------------------------------------------------
# the baseline: plain PyTorch


def baseline_model(kind: str, channels: int, num_classes: int, width: int = WIDTH) -> nn.Module:
    """conv(w) conv(w) maxpool conv(2w) conv(2w) maxpool conv(4w) global-avg-pool linear; each
    conv 3x3 (padding 1), then BatchNorm and ReLU. 1-D layers for sequences."""
    image = kind == "image"
    conv = nn.Conv2d if image else nn.Conv1d
    norm = nn.BatchNorm2d if image else nn.BatchNorm1d
    pool = nn.MaxPool2d if image else nn.MaxPool1d
    gap = nn.AdaptiveAvgPool2d(1) if image else nn.AdaptiveAvgPool1d(1)

    def block(inputs: int, outputs: int) -> list[nn.Module]:
        # no conv bias: BatchNorm's shift replaces it
        return [conv(inputs, outputs, 3, padding=1, bias=False), norm(outputs), nn.ReLU()]

    w = width
    return nn.Sequential(
        *block(channels, w),
        *block(w, w),
        pool(2),
        *block(w, 2 * w),
        *block(2 * w, 2 * w),
        pool(2),
        *block(2 * w, 4 * w),
        gap,
        nn.Flatten(),
        nn.Linear(4 * w, num_classes),
    )


def random_shift(x: Tensor, pad: int) -> Tensor:
    """Each sample moved by its own random offset in [-pad, pad] along every spatial axis:
    zero padding, then a crop back to the original size, for the whole batch at once."""
    n = x.shape[0]
    padded = F.pad(x, (pad, pad) * (x.ndim - 2))
    for axis in range(2, x.ndim):
        size = x.shape[axis]
        offsets = torch.randint(0, 2 * pad + 1, (n, 1))
        index = offsets + torch.arange(size)  # (n, size): the positions each sample keeps
        shape = [n, 1, *([1] * (x.ndim - 2))]
        shape[axis] = size
        target = list(padded.shape)
        target[axis] = size
        padded = padded.gather(axis, index.view(shape).expand(target))
    return padded


def random_flip(x: Tensor) -> Tensor:
    """Each image mirrored left-right with probability 1/2."""
    flip = torch.rand(x.shape[0]) < 0.5
    return torch.where(flip.view(-1, *([1] * (x.ndim - 1))), x.flip(-1), x)


@dataclass
class Trainer:
    """The model, optimizer and data of one baseline training; ``step`` trains on one batch."""

    model: nn.Module
    optimizer: torch.optim.Optimizer
    x: Tensor  # raw training inputs: shifts pad with zeros before normalization
    y: Tensor
    mean: Tensor
    std: Tensor
    flips: bool

    @classmethod
    def create(
        cls, arrays: Arrays, x: Tensor, y: Tensor, mean: Tensor, std: Tensor, flips: bool
    ) -> Trainer:
        model = baseline_model(arrays.kind, x.shape[1], arrays.num_classes)
        optimizer = torch.optim.AdamW(model.parameters(), lr=LR, weight_decay=WEIGHT_DECAY)
        return cls(model, optimizer, x, y, mean, std, flips)

    def batches(self) -> list[Tensor]:
        """One epoch's shuffled index batches; a last batch of one sample is dropped, since
        BatchNorm cannot train on it."""
        return [b for b in torch.randperm(len(self.y)).split(BATCH) if len(b) > 1]

    def step(self, index: Tensor) -> None:
        xb = random_shift(self.x[index], SHIFT)
        if self.flips:
            xb = random_flip(xb)
        logits = self.model((xb - self.mean) / self.std)
        loss = F.cross_entropy(logits, self.y[index], label_smoothing=LABEL_SMOOTHING)
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        self.optimizer.step()


def run_baseline(dataset: str, limit: float, seed: int) -> dict[str, Any]:
    """Load the data, plan the epochs that fit ``limit`` (this function's whole wall time),
    train with the one-cycle schedule and test."""
    load_start = os.getloadavg()
    start = time.perf_counter()
    torch.manual_seed(seed)
    arrays = load_arrays(dataset, seed)
    x, y = torch.from_numpy(arrays.x), torch.from_numpy(arrays.y)
    axes = (0, *range(2, x.ndim))  # per channel
    mean = x.mean(dim=axes, keepdim=True)[0]
    std = x.std(dim=axes, keepdim=True)[0].clamp_min(1e-12)
    x_test = (torch.from_numpy(arrays.x_test) - mean) / std
    y_test = torch.from_numpy(arrays.y_test)
    flips = dataset == "fashion-mnist"
    load_seconds = time.perf_counter() - start

    # OneCycleLR needs the total step count before the first step, so the step time is
    # measured first on a throwaway model (same data, augmentation and optimizer; a few
    # untimed steps let the allocator and kernels warm up; about 2% of the limit), and the
    # epochs are chosen so that training plus the test pass end within the limit. Running
    # epoch 1 under a guessed schedule instead would train it with a schedule that no longer
    # matches the plan. On a machine shared with other work, the step time can change several
    # times over during a run (seen here: a probe's steps up to 100x slower than later ones),
    # so after every epoch the plan is checked against the recent epoch times: when fewer
    # epochs fit, or clearly more, OneCycleLR is rebuilt for the new total and continues at the
    # current step (its learning rate moves to the new curve at that point). Within an epoch,
    # training stops before a step that would overrun the limit (reported as cut_short, with
    # the fraction of epochs done).
    probe = Trainer.create(arrays, x, y, mean, std, flips)
    probe_start = time.perf_counter()
    order = probe.batches()
    for index in order[:PROBE_WARMUP]:
        probe.step(index)
    timed, timed_start = 0, time.perf_counter()
    while timed < min(PROBE_MAX_STEPS, len(order) - PROBE_WARMUP) and (
        timed < PROBE_MIN_STEPS or time.perf_counter() - timed_start < PROBE_SHARE * limit
    ):
        probe.step(order[PROBE_WARMUP + timed])
        timed += 1
    step_seconds = (time.perf_counter() - timed_start) / max(timed, 1)
    probe_seconds = time.perf_counter() - probe_start
    del probe

    torch.manual_seed(seed)
    trainer = Trainer.create(arrays, x, y, mean, std, flips)
    steps_per_epoch = len(trainer.batches())
    safety = max(SAFETY_SHARE * limit, SAFETY_MIN)

    def test_estimate(step: float) -> float:
        # a test forward pass costs about a third of a training step per sample; half is
        # assumed, to be safe
        return len(y_test) * step / BATCH / 2

    def epochs_that_fit(epoch: float, step: float) -> int:
        left = limit - (time.perf_counter() - start) - test_estimate(step) - safety
        return math.floor(left / epoch)

    planned = max(1, epochs_that_fit(steps_per_epoch * step_seconds, step_seconds))
    plans = [planned]
    schedule = torch.optim.lr_scheduler.OneCycleLR(
        trainer.optimizer, max_lr=LR, total_steps=planned * steps_per_epoch
    )
    train_start = time.perf_counter()
    epoch_times: list[float] = []
    trained_samples = steps = 0
    cut_short = False
    trainer.model.train()
    while len(epoch_times) < planned and not cut_short:
        epoch_start = time.perf_counter()
        for index in trainer.batches():
            # the limit is hard: stop before a step that would leave too little for the test
            now = time.perf_counter()
            step_mean = (now - train_start) / steps if steps else step_seconds
            if now - start + step_mean + test_estimate(step_mean) > limit:
                cut_short = True
                break
            trainer.step(index)
            schedule.step()
            trained_samples += len(index)
            steps += 1
        if cut_short:
            break
        epoch_times.append(time.perf_counter() - epoch_start)
        done = len(epoch_times)
        last = sorted(epoch_times[-REPLAN_WINDOW:])
        recent = last[len(last) // 2]  # the median: one burst of other work does not count
        fit = done + epochs_that_fit(recent, recent / steps_per_epoch)
        if done >= planned:
            break
        if fit <= done:
            cut_short = True  # not one more epoch fits: test now
        elif fit < planned or fit >= planned + max(2, planned // 5):
            planned = fit
            plans.append(planned)
            schedule = torch.optim.lr_scheduler.OneCycleLR(
                trainer.optimizer,
                max_lr=LR,
                total_steps=planned * steps_per_epoch,
                last_epoch=steps - 1,  # continue at step ``steps`` of the new curve
            )
    train_seconds = time.perf_counter() - train_start

    test_start = time.perf_counter()
    test_acc, test_loss = evaluate(trainer.model, x_test, y_test)
    test_seconds = time.perf_counter() - test_start
    wall = time.perf_counter() - start
    return {
        "test_acc": test_acc,
        "test_loss": test_loss,
        "wall_seconds": wall,
        "limit_seconds": limit,
        "params": sum(p.numel() for p in trainer.model.parameters()),
        "epochs": round(steps / steps_per_epoch, 2),  # fractional when cut short
        "planned_epochs": planned,
        "plans": plans,  # the planned epochs, first from the probe, then each revision
        "cut_short": cut_short,
        "steps_per_epoch": steps_per_epoch,
        "samples_per_second": trained_samples / train_seconds,
        "load_seconds": load_seconds,
        "probe_seconds": probe_seconds,
        "probe_steps": timed,
        "probe_step_seconds": step_seconds,
        "train_seconds": train_seconds,
        "epoch_seconds": epoch_times,
        "test_seconds": test_seconds,
        "train_samples": len(y),
        "test_samples": len(y_test),
        "input_shape": list(x.shape[1:]),
        "flips": flips,
        "threads": torch.get_num_threads(),
        "loadavg_start": list(load_start),
        "loadavg_end": list(os.getloadavg()),
    }


def evaluate(model: nn.Module, x: Tensor, y: Tensor) -> tuple[float, float]:
    """Accuracy and mean cross-entropy (no smoothing) on normalized inputs."""
    model.eval()
    correct, loss = 0, 0.0
    with torch.no_grad():
        for xb, yb in zip(x.split(EVAL_BATCH), y.split(EVAL_BATCH), strict=True):
            logits = model(xb)
            correct += int((logits.argmax(1) == yb).sum())
            loss += float(F.cross_entropy(logits, yb, reduction="sum"))
    return correct / len(y), loss / len(y)


# ---------------------------------------------------------------------------------------------
# report


def machine() -> dict[str, Any]:
    return {
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "python": platform.python_version(),
        "cpu_count": os.cpu_count(),
        "usable_cpus": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "torch": torch.__version__,
        "torch_threads": torch.get_num_threads(),
        "cuda": torch.cuda.is_available(),
    }


def compare(netsynth: dict[str, Any] | None, baseline: dict[str, Any]) -> dict[str, Any]:
    """netsynth minus baseline test accuracy, and the wall times side by side."""
    if netsynth is None:
        return {}
    result: dict[str, Any] = {
        "netsynth_wall_seconds": netsynth["wall_seconds"],
        "baseline_wall_seconds": baseline["wall_seconds"],
        "wall_ratio": netsynth["wall_seconds"] / baseline["wall_seconds"],
    }
    if isinstance(netsynth.get("test_acc"), (int, float)):
        result["test_acc_difference"] = netsynth["test_acc"] - baseline["test_acc"]
    if isinstance(netsynth.get("params"), int):
        result["params_ratio"] = netsynth["params"] / baseline["params"]
    return result


def print_report(record: dict[str, Any]) -> None:
    m = record["machine"]
    print(
        f"\n{record['dataset']}, limit {record['limit']} ({record['limit_seconds']:.0f} s); "
        f"{m['platform']}, {m['cpu_count']} CPUs, torch {m['torch']}, "
        f"{m['torch_threads']} threads"
    )
    ns = record["netsynth"]
    if ns is not None:
        acc = f"{ns['test_acc']:.4f}" if "test_acc" in ns else "-"
        params = f"{ns['params']:,}" if isinstance(ns.get("params"), int) else "-"
        print(
            f"netsynth  test acc {acc}  wall {ns['wall_seconds']:.1f} s  exit {ns['exit_code']}"
            f"  params {params}  trials {ns.get('trials', '-')}  state {ns.get('state', '-')}"
        )
        print(f"          architecture {ns.get('architecture', '-')}")
        if ns.get("reason"):
            print(f"          reason: {ns['reason']}")
        if ns.get("error"):
            print(f"          {ns['error']}")
        if ns.get("stderr_tail"):
            print("          last lines of stderr:")
            for line in ns["stderr_tail"]:
                print(f"          | {line}")
    b = record["baseline"]
    print(
        f"baseline  test acc {b['test_acc']:.4f}  wall {b['wall_seconds']:.1f} s  "
        f"params {b['params']:,}  epochs {b['epochs']}/{b['planned_epochs']}"
        f"{' (cut short)' if b['cut_short'] else ''}  {b['samples_per_second']:.0f} samples/s"
        f"  load {_loads(b['loadavg_start'])} -> {_loads(b['loadavg_end'])}"
    )
    c = record["comparison"]
    if c:
        difference = c.get("test_acc_difference")
        shown = f"{difference:+.4f}" if difference is not None else "-"
        print(
            f"netsynth - baseline test acc {shown}; wall {c['netsynth_wall_seconds']:.1f} s vs "
            f"{c['baseline_wall_seconds']:.1f} s ({c['wall_ratio']:.2f}x)"
        )


def _loads(values: list[float]) -> str:
    return "/".join(f"{v:.2f}" for v in values)


def write_table(records_file: Path, table_file: Path) -> None:
    """The Markdown table the docs quote: the latest record of each dataset and limit.

    One row per (dataset, limit), each with the date, machine and load it was measured at, so a
    figure in the docs always names the run it came from and the command that reruns it.
    """
    latest: dict[tuple[str, str], dict[str, Any]] = {}
    for line in records_file.read_text().splitlines():
        if line.strip():
            record = json.loads(line)
            if record.get("netsynth") is not None:
                latest[(record["dataset"], record["limit"])] = record
    rows = [
        "| command | netsynth test acc (params, wall) | baseline test acc (params, epochs, wall) "
        "| difference | baseline samples/s | date, machine, load |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for (dataset, limit), record in sorted(
        latest.items(), key=lambda item: (item[0][0], item[1]["limit_seconds"])
    ):
        ns, b, m = record["netsynth"], record["baseline"], record["machine"]
        ns_acc = f"{100 * ns['test_acc']:.2f}%" if "test_acc" in ns else "no model"
        ns_params = f"{ns['params']:,}" if isinstance(ns.get("params"), int) else "-"
        difference = record["comparison"].get("test_acc_difference")
        rows.append(
            f"| `python benchmarks/real_data.py --dataset {dataset} --limit {limit}` "
            f"| {ns_acc} ({ns_params}, {ns['wall_seconds']:.0f} s) "
            f"| {100 * b['test_acc']:.2f}% ({b['params']:,}, {b['epochs']:g} epochs, "
            f"{b['wall_seconds']:.0f} s) "
            f"| {'-' if difference is None else f'{100 * difference:+.2f} points'} "
            f"| {b['samples_per_second']:.0f} "
            f"| {record['date'][:10]}, {m['cpu_count']} CPUs {m['processor']}, torch "
            f"{m['torch']}, {'GPU' if m['cuda'] else 'no GPU'}; load "
            f"{_loads(b['loadavg_start'])} -> {_loads(b['loadavg_end'])} |"
        )
    table_file.write_text("\n".join(rows) + "\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dataset", choices=DATASETS)
    parser.add_argument("--limit", help="wall-clock limit per side: 90s, 15m...")
    parser.add_argument("--storage", default=DEFAULT_STORAGE, help="netsynth storage URL")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="JSON lines to append to")
    parser.add_argument("--seed", type=int, default=0, help="baseline seed and digits split")
    parser.add_argument("--skip-netsynth", action="store_true", help="run the baseline alone")
    parser.add_argument(
        "--netsynth-arg",
        action="append",
        default=[],
        help="extra argument for netsynth run (repeat for several), e.g. --netsynth-arg=-v",
    )
    parser.add_argument(
        "--table-only",
        action="store_true",
        help=f"only rewrite {DEFAULT_TABLE.name} from the JSON lines file",
    )
    args = parser.parse_args(argv)
    if args.table_only:
        write_table(args.out, DEFAULT_TABLE)
        print(f"wrote {DEFAULT_TABLE}")
        return 0
    if args.dataset is None or args.limit is None:
        parser.error("--dataset and --limit are required (unless --table-only)")
    try:
        limit = parse_limit(args.limit)
    except argparse.ArgumentTypeError as error:
        parser.error(str(error))
    if args.storage in ("memory", ":memory:") or args.storage.endswith(":///:memory:"):
        parser.error("--storage must outlive the netsynth process: a database, not memory")
    if args.dataset == "fashion-mnist" and not Path(FASHION_MNIST).is_dir():
        parser.error(f"{FASHION_MNIST} not found; install Debian's dataset-fashion-mnist")

    record: dict[str, Any] = {
        "date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
        "dataset": args.dataset,
        "limit": args.limit,
        "limit_seconds": limit,
        "seed": args.seed,
        "machine": machine(),
        "netsynth": None,
    }
    if not args.skip_netsynth:
        RESULTS.mkdir(parents=True, exist_ok=True)
        arrays = load_arrays(args.dataset, args.seed)
        record["netsynth"] = run_netsynth(
            arrays,
            args.dataset,
            args.limit,
            limit,
            absolute_storage(args.storage),
            args.netsynth_arg,
        )
        del arrays
    record["baseline"] = run_baseline(args.dataset, limit, args.seed)
    record["comparison"] = compare(record["netsynth"], record["baseline"])
    print_report(record)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with args.out.open("a") as out:
        out.write(json.dumps(record) + "\n")
    print(f"appended to {args.out}")
    if args.out == DEFAULT_OUT:
        write_table(args.out, DEFAULT_TABLE)
        print(f"wrote {DEFAULT_TABLE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
