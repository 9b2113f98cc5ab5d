"""Weight inheritance on real training: regularized evolution on MNIST-1D with every child
trained from scratch, against the same search whose children start from their parent's
weights (network morphisms) and train fewer epochs.

    python benchmarks/weight_inheritance.py [--seconds 300] [--inherit-epochs 2] [--seeds 3]

Both arms run at once for the same wall time, one process and one thread each, on a chain
space whose training hyperparameters are fixed (so mutations change the architecture only):
conv / max-pool layers, 6 epochs per trial from scratch. Each arm prints its anytime curve
(best validation accuracy against the wall time spent training so far) as the wall time it
needs to reach each of a few validation accuracies; the summary gives, per accuracy, the ratio
of the two arms' times (inherit / scratch) over the seeds where both reached it.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import platform
import statistics
import tempfile
import time
from typing import Any

SPACE: dict[str, Any] = {
    "type": "chain",
    "min_layers": 2,
    "max_layers": 6,
    "ops": ["conv", "maxpool"],
    "kernels": [3, 5],
    "widths": [16, 24, 32, 48, 64],
    "activations": ["relu"],
    "norms": ["batch"],
    "dropouts": [0.0],
    "training": {
        "optimizer": "adamw",
        "lr": 0.005,
        "batch_size": 128,
        "weight_decay": 0.0001,
        "epochs": 6,
        "augment": 0.0,
    },
}


def search(job: tuple[str, int, float, int | None]) -> dict[str, Any]:
    import torch

    torch.set_num_threads(1)
    from netsynth import create_experiment
    from netsynth.estimation.training import DataConfig, FinalConfig, TrainingEstimator
    from netsynth.space.architecture_space import make_architecture_space

    arm, seed, seconds, inherit_epochs = job
    space = make_architecture_space(SPACE)
    with tempfile.TemporaryDirectory() as folder:
        estimator = TrainingEstimator(
            space,
            DataConfig("mnist1d"),
            FinalConfig(top_k=1, epochs=1, export_dir=folder),  # the search is what is timed
            device="cpu",
            threads=1,
            inherit_epochs=inherit_epochs,
        )
        experiment = create_experiment(
            architecture=space,
            metric="val_acc",
            direction="maximize",
            strategy={"name": "evolution", "population": 10, "sample_size": 4},
            seed=seed,
        )
        started = time.perf_counter()
        experiment.run(estimator, timeout=seconds, progress=False)
        wall = time.perf_counter() - started
    spent, best, curve, inherited, preserving = 0.0, 0.0, [], 0, 0
    for trial in experiment.trials():
        spent += trial.attrs.get("provenance", {}).get("wall_seconds", 0.0)
        if trial.value is not None and trial.value > best:
            best = trial.value
        curve.append((spent, best))
        if "inherited" in trial.attrs:
            inherited += 1
            preserving += bool(trial.attrs["inherited"]["function_preserving"])
    return {
        "arm": arm,
        "curve": curve,
        "wall": wall,
        "inherited": inherited,
        "preserving": preserving,
        "best": best,
        "trials": len(experiment.trials()),
    }


def time_to(curve: list[tuple[float, float]], target: float) -> float | None:
    return next((spent for spent, best in curve if best >= target - 1e-12), None)


THRESHOLDS = (0.97, 0.975, 0.98, 0.985)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=300.0, help="wall time per arm")
    parser.add_argument("--inherit-epochs", type=int, default=2)
    parser.add_argument("--seeds", type=int, default=3, help="seeds 0..N-1, one after another")
    args = parser.parse_args()
    print(
        f"evolution (population 10, sample 4), {args.seconds:g} s per arm, seeds "
        f"0..{args.seeds - 1}; children with inherited weights train {args.inherit_epochs} of 6 "
        f"epochs; {platform.machine()}, {os.cpu_count()} cores, both arms at once, one thread "
        "each\n"
    )
    ratios: dict[float, list[float]] = {t: [] for t in THRESHOLDS}
    wins = 0
    for seed in range(args.seeds):
        jobs = [
            ("scratch", seed, args.seconds, None),
            ("inherit", seed, args.seconds, args.inherit_epochs),
        ]
        with multiprocessing.get_context("spawn").Pool(2) as pool:
            scratch, inherit = pool.map(search, jobs)
        print(f"seed {seed}:")
        for result in (scratch, inherit):
            note = (
                f"; {result['inherited']} children inherited weights "
                f"({result['preserving']} by a function-preserving morphism)"
                if result["arm"] == "inherit"
                else ""
            )
            reach = ", ".join(
                f"{100 * t:.1f}% after "
                + (f"{s:.0f} s" if (s := time_to(result["curve"], t)) is not None else "-")
                for t in THRESHOLDS
            )
            print(
                f"  {result['arm']:<8} {result['trials']:>3} trials, final best "
                f"{100 * result['best']:.2f}% after {result['curve'][-1][0]:.0f} s of training; "
                f"{reach}{note}"
            )
        wins += inherit["best"] >= scratch["best"]
        for t in THRESHOLDS:
            a, b = time_to(scratch["curve"], t), time_to(inherit["curve"], t)
            if a is not None and b is not None:
                ratios[t].append(b / a)
    print(f"\ninherit ended at least as high as scratch in {wins} of {args.seeds} seeds")
    print("wall time to reach a validation accuracy, inherit / scratch (seeds where both did):")
    for t, values in ratios.items():
        if values:
            print(
                f"  {100 * t:.1f}%: median {statistics.median(values):.2f} over {len(values)} "
                f"seeds ({', '.join(f'{v:.2f}' for v in values)})"
            )
        else:
            print(f"  {100 * t:.1f}%: reached by both arms in no seed")


if __name__ == "__main__":
    main()
