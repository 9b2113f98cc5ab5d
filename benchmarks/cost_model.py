"""How well the cost model predicts seconds per training epoch of sampled candidates.

Loads a dataset, calibrates a ``CostModel`` on its training split (``calibrate``), samples
candidates from an architecture space (default configuration, each repaired for the input),
predicts each one's seconds per epoch from its ``cost_features``, then measures it: one
untimed warm-up step, then up to ``--measure-steps`` real training steps (as
``train_loop.train`` runs them: a slice of a random permutation, forward, cross-entropy,
backward, AdamW and one-cycle steps) for at most ``--measure-seconds`` but at least 2, their
mean scaled to the epoch's ``train // batch`` steps, plus one real validation pass
(``train_loop.evaluate``; for an expensive candidate only its first full batches, or part of
one, scaled to the whole split). Candidates whose predicted epoch exceeds
``--max-predicted`` seconds are skipped (counted and printed), as a time-limited search
would skip or repair them.

Prints per candidate: description, predicted and measured seconds per epoch, their ratio;
then the share within 2x (the target is at least 90%), the median and worst ratios, the
calibration's seconds, the thread count, and the load average at start and end (a loaded
machine inflates and scatters timings). The ``cpu%`` column is the share of CPU time the
process got while measuring (threads x wall time); the calibration discounts other jobs
that way (see ``calibration``), so the summary also gives the ratios against measured
times scaled by that share ("load-adjusted": the epoch with the cores to itself).

    python benchmarks/cost_model.py --dataset fashion-mnist|mnist1d|digits \\
        --space chain|cell|zoo --candidates 50 [--threads 1] [--calibration-seconds 20]
    python benchmarks/cost_model.py --all --candidates 50 --threads 1   # the summary table
    python benchmarks/publish.py cost_model --markdown -- \\
        python benchmarks/cost_model.py --all --candidates 50 --threads 1

Fashion-MNIST is read from the gzipped IDX files in /usr/share/datasets/fashion-mnist/: a
fixed 10,000-image training subset (the first 10,000) and 2,000 validation images (the
first 2,000 of the test file), normalized with the subset's mean and standard deviation.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from netsynth.data.augmentation import augment
from netsynth.data.idx_files import read_idx
from netsynth.data.registry import load_dataset
from netsynth.data.splits import make_splits
from netsynth.estimation.calibration import calibrate
from netsynth.estimation.cost_model import EVAL_BATCH, CostModel, cost_features
from netsynth.estimation.train_loop import TensorSplit, evaluate
from netsynth.nn import build
from netsynth.space.architecture_space import make_architecture_space
from netsynth.space.genotype import GenotypeError

FASHION = Path("/usr/share/datasets/fashion-mnist")
FASHION_TRAIN = 10_000
FASHION_VAL = 2_000


def load(name: str) -> tuple[TensorSplit, TensorSplit, int, str]:
    """(train, validation, classes, kind) as tensors."""
    if name == "fashion-mnist":

        def part(file: str, count: int) -> np.ndarray:
            return read_idx(FASHION / file, file)[:count]

        x = part("train-images-idx3-ubyte.gz", FASHION_TRAIN).astype(np.float32)
        y = part("train-labels-idx1-ubyte.gz", FASHION_TRAIN).astype(np.int64)
        xv = part("t10k-images-idx3-ubyte.gz", FASHION_VAL).astype(np.float32)
        yv = part("t10k-labels-idx1-ubyte.gz", FASHION_VAL).astype(np.int64)
        mean, std = float(x.mean()), float(x.std())
        train = TensorSplit(torch.from_numpy((x[:, None] - mean) / std), torch.from_numpy(y))
        val = TensorSplit(torch.from_numpy((xv[:, None] - mean) / std), torch.from_numpy(yv))
        return train, val, 10, "image"
    splits = make_splits(load_dataset(name), seed=0)
    train = TensorSplit(torch.from_numpy(splits.train.x), torch.from_numpy(splits.train.y))
    val = TensorSplit(torch.from_numpy(splits.val.x), torch.from_numpy(splits.val.y))
    return train, val, splits.num_classes, splits.kind


def measure(
    model: torch.nn.Module,
    train: TensorSplit,
    val: TensorSplit,
    *,
    batch_size: int,
    kind: str,
    strength: float,
    most_steps: int,
    seconds: float,
    eval_seconds: float,
    seed: int,
) -> dict[str, Any]:
    """Seconds per epoch from timed steps and a (possibly partial) validation pass."""
    n = len(train.y)
    batch = min(batch_size, n)
    steps_per_epoch = max(n // batch, 1)
    decay = [p for p in model.parameters() if p.ndim > 1]
    no_decay = [p for p in model.parameters() if p.ndim <= 1]
    optimizer = torch.optim.AdamW(
        [{"params": decay, "weight_decay": 5e-4}, {"params": no_decay, "weight_decay": 0.0}],
        lr=3e-3,
    )
    schedule = torch.optim.lr_scheduler.OneCycleLR(
        optimizer, max_lr=3e-3, total_steps=steps_per_epoch * 10, pct_start=0.25
    )
    generator = torch.Generator().manual_seed(seed)
    order = torch.randperm(n, generator=generator)
    loss_sum = torch.zeros(())
    times: list[float] = []
    model.train()
    started = time.perf_counter()
    cpu_time = 0.0
    for step in range(most_steps + 1):
        began = time.perf_counter()
        cpu_began = time.process_time()
        index = order[(step % steps_per_epoch) * batch : (step % steps_per_epoch + 1) * batch]
        xb, yb = train.x[index], train.y[index]
        if strength > 0:
            xb = augment(xb, kind, strength, generator)
        logits = model(xb)
        loss = F.cross_entropy(logits.float(), yb)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()  # type: ignore[no-untyped-call]
        optimizer.step()
        schedule.step()
        loss_sum += loss.detach()
        if step:  # the first step is the warm-up
            times.append(time.perf_counter() - began)
            cpu_time += time.process_time() - cpu_began
            if len(times) >= 2 and time.perf_counter() - started > seconds:
                break
    step_seconds = statistics.fmean(times)
    # The validation pass: whole when the training steps suggest it is affordable, else its
    # first full batches (for a very expensive candidate a part of one, at least a training
    # batch), scaled to the split.
    per_sample = step_seconds / batch / 2  # a forward pass, roughly, from the steps
    affordable = int(eval_seconds / per_sample)
    samples = min(len(val.y), max(affordable // EVAL_BATCH, 1) * EVAL_BATCH)
    if affordable < EVAL_BATCH:
        samples = min(len(val.y), max(affordable, batch))
    subset = TensorSplit(val.x[:samples], val.y[:samples])
    began = time.perf_counter()
    cpu_began = time.process_time()
    evaluate(model, subset)
    eval_wall = time.perf_counter() - began
    cpu_time += time.process_time() - cpu_began
    eval_seconds_measured = eval_wall * len(val.y) / samples
    threads = torch.get_num_threads()
    return {
        "step_seconds": step_seconds,
        "steps_timed": len(times),
        "eval_seconds": eval_seconds_measured,
        "eval_samples": samples,
        "epoch_seconds": step_seconds * steps_per_epoch + eval_seconds_measured,
        # The share of the CPU (threads x wall time) this process got while measuring.
        "cpu_share": cpu_time / max((sum(times) + eval_wall) * threads, 1e-9),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", default="mnist1d", help="fashion-mnist, mnist1d, digits")
    parser.add_argument("--space", default="chain", help="chain, cell, zoo, dag, nb201")
    parser.add_argument("--candidates", type=int, default=50)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--calibration-seconds", type=float, default=20.0)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--augment", type=float, default=0.0, help="augmentation strength")
    parser.add_argument("--measure-steps", type=int, default=20)
    parser.add_argument("--measure-seconds", type=float, default=3.0)
    parser.add_argument("--max-predicted", type=float, default=300.0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", help="write the per-candidate results here")
    parser.add_argument(
        "--all",
        action="store_true",
        help="run every space on both datasets (fashion-mnist, mnist1d), one process each, "
        "and print one Markdown summary row per run",
    )
    args = parser.parse_args()
    if args.all:
        run_all(args.candidates, args.threads, args.seed)
        return

    torch.set_num_threads(args.threads)
    load_start = os.getloadavg()
    wall = time.perf_counter()
    train, val, num_classes, kind = load(args.dataset)
    shape = tuple(train.x.shape[1:])
    print(
        f"{args.dataset}: train {tuple(train.x.shape)}, val {len(val.y)}, {kind}; "
        f"space {args.space}; {args.threads} thread(s); torch {torch.__version__}; "
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores"
    )
    print(f"load average at start: {' '.join(f'{v:.2f}' for v in load_start)}")
    model: CostModel = calibrate(
        train.x,
        train.y,
        num_classes,
        kind=kind,
        batch_size=args.batch_size,
        seconds=args.calibration_seconds,
        seed=args.seed,
    )
    print(
        f"calibration: {model.calibration_seconds:.1f} s, probes {', '.join(model.probes)}"
        f"{'; skipped ' + ', '.join(model.extras['skipped']) if model.extras['skipped'] else ''}"
        f"; fit error x{model.fit_error:.2f}"
    )

    space = make_architecture_space({"type": args.space})
    rng = np.random.default_rng(args.seed)
    results: list[dict[str, Any]] = []
    skipped: list[tuple[str, float]] = []
    invalid = 0
    feature_ms: list[float] = []
    print(
        f"\n{'#':>3} {'predicted s':>11} {'measured s':>10} {'ratio':>6} {'steps':>5} "
        f"{'cpu%':>4}  candidate"
    )
    while len(results) + len(skipped) < args.candidates:
        try:
            genotype = space.repair(space.sample(rng), shape)
        except GenotypeError:
            invalid += 1  # e.g. a zoo family that does not take this kind of input
            continue
        began = time.perf_counter()
        features = cost_features(genotype, shape, num_classes)
        feature_ms.append((time.perf_counter() - began) * 1000)
        predicted = model.epoch_seconds(
            features,
            train_samples=len(train.y),
            val_samples=len(val.y),
            batch_size=args.batch_size,
            augment=args.augment > 0,
        )
        description = genotype.describe()
        if predicted > args.max_predicted:
            skipped.append((description, predicted))
            print(
                f"{'-':>3} {predicted:11.2f} {'skipped':>10} {'':>12} {'':>4}  {description[:90]}"
            )
            continue
        torch.manual_seed(args.seed + len(results))
        net = build(genotype, shape, num_classes)
        measured = measure(
            net,
            train,
            val,
            batch_size=args.batch_size,
            kind=kind,
            strength=args.augment,
            most_steps=args.measure_steps,
            seconds=args.measure_seconds,
            eval_seconds=args.measure_seconds,
            seed=args.seed,
        )
        ratio = predicted / measured["epoch_seconds"]
        results.append(
            {
                "description": description,
                "genotype": genotype.to_dict(),
                "features": features.to_dict(),
                "predicted": predicted,
                "predicted_step": model.step_seconds(features, args.batch_size),
                "ratio": ratio,
                **measured,
            }
        )
        print(
            f"{len(results):3d} {predicted:11.3f} {measured['epoch_seconds']:10.3f} "
            f"{ratio:6.2f} {measured['steps_timed']:5d} {100 * measured['cpu_share']:4.0f}  "
            f"{description[:90]}",
            flush=True,
        )

    load_end = os.getloadavg()
    ratios = np.array([r["ratio"] for r in results])
    within = float(np.mean(np.abs(np.log(ratios)) <= math.log(2))) if len(ratios) else math.nan
    worst = float(ratios[np.argmax(np.abs(np.log(ratios)))]) if len(ratios) else math.nan
    print(
        f"\nmeasured {len(results)} candidates ({args.measure_steps} steps at most, "
        f"{args.measure_seconds:g} s at most each after one warm-up step, mean step x "
        f"{len(train.y) // min(args.batch_size, len(train.y))} steps/epoch + validation pass "
        f"of {len(val.y)})"
    )
    print(f"skipped (predicted > {args.max_predicted:g} s/epoch): {len(skipped)}")
    print(f"invalid samples redrawn (input cannot take them): {invalid}")
    print(f"within 2x: {within:.0%}  (target >= 90%)")
    print(f"ratio predicted/measured: median {np.median(ratios):.2f}, worst {worst:.2f}")
    # Against measured times scaled by the CPU share they got, as the calibration's are:
    # the epochs had the candidates had their cores to themselves.
    adjusted = ratios / np.array([min(r["cpu_share"], 1.0) for r in results])
    print(
        f"load-adjusted (measured x its cpu share): "
        f"within 2x {float(np.mean(np.abs(np.log(adjusted)) <= math.log(2))):.0%}, "
        f"median {np.median(adjusted):.2f}, "
        f"worst {float(adjusted[np.argmax(np.abs(np.log(adjusted)))]):.2f}"
    )
    print(f"cost_features: median {np.median(feature_ms):.1f} ms per uncached call")
    print(
        f"calibration {model.calibration_seconds:.1f} s (cpu share "
        f"{model.extras.get('cpu_share') or 1.0:.2f}); threads {args.threads}; "
        f"load average start {load_start[0]:.2f} end {load_end[0]:.2f} (1 min)"
    )
    print(f"wall time {time.perf_counter() - wall:.0f} s")
    if args.json:
        Path(args.json).write_text(
            json.dumps(
                {
                    "args": vars(args),
                    "model": model.to_dict(),
                    "results": results,
                    "skipped": skipped,
                    "load_start": load_start,
                    "load_end": load_end,
                    "feature_ms": feature_ms,
                },
                indent=1,
            )
        )


def run_all(candidates: int, threads: int, seed: int) -> None:
    """Each (dataset, space) pair in a fresh process, summarized as one Markdown table."""
    print(
        "| dataset | space | within 2x | median predicted/measured | worst | calibration s "
        "| cost_features ms | load start -> end |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for dataset in ("fashion-mnist", "mnist1d"):
        for space in ("chain", "cell", "zoo"):
            with tempfile.TemporaryDirectory() as folder:
                report = Path(folder) / "results.json"
                subprocess.run(
                    [
                        *(sys.executable, __file__, "--dataset", dataset, "--space", space),
                        *("--candidates", str(candidates), "--threads", str(threads)),
                        *("--seed", str(seed), "--json", str(report)),
                    ],
                    check=True,
                    stdout=subprocess.DEVNULL,
                )
                data = json.loads(report.read_text())
            ratios = np.array([r["ratio"] for r in data["results"]])
            within = float(np.mean(np.abs(np.log(ratios)) <= math.log(2)))
            worst = float(ratios[np.argmax(np.abs(np.log(ratios)))])
            print(
                f"| {dataset} | {space} | {within:.0%} of {len(ratios)} "
                f"| {np.median(ratios):.2f} | {worst:.2f} "
                f"| {data['model']['calibration_seconds']:.1f} "
                f"| {np.median(data['feature_ms']):.1f} "
                f"| {data['load_start'][0]:.2f} -> {data['load_end'][0]:.2f} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
