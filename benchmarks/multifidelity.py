"""Multi-fidelity schedulers compared on the tabular benchmark, on its simulated clock.

    python benchmarks/multifidelity.py [--seeds 100] [--budget-trials 100] [--workers 2]

Every method searches the table's space (NAS-Bench-201-style cell on MNIST-1D, 12 epochs per
cell) through the real experiment loop and the tabular estimator, with a simulated compute
budget of ``budget-trials`` times the mean cost of training one cell fully. Methods:

* random      random search, every trial trained fully (FIFO)
* asha        random search + ASHA (epochs 1, 4, 12; η = 3)
* hyperband   random search + Hyperband (3 brackets over the same rungs)
* bohb        BOHB: TPE fitted per budget + Hyperband
* curve       random search + learning-curve extrapolation (Domhan et al.; P < 0.05 stops)
* median      random search + median stopping

The anytime curve of a search is, after each finished trial, the test accuracy of the best
fully trained cell so far (chosen by validation accuracy) against the simulated compute spent
so far. The tables give the mean over seeds at fractions of the budget, then for each method the
compute it needs for its mean curve to reach random search's final mean accuracy (as a share of
random search's compute; the targets are ≤ 1/3 for ASHA and Hyperband and ≤ 0.6 for curve
extrapolation, i.e. ≥ 40% saved), and the final accuracies.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import platform
import statistics
import time
from typing import Any

METHODS: dict[str, tuple[str, dict[str, Any]]] = {
    "random": ("random", {"name": "fifo"}),
    "asha": ("random", {"name": "asha", "max_resource": 12}),
    "hyperband": ("random", {"name": "hyperband", "max_resource": 12}),
    "bohb": ("bohb", {"name": "hyperband", "max_resource": 12}),
    "curve": ("random", {"name": "curve", "ceiling": 1.0}),
    "median": ("random", {"name": "median"}),
}
FRACTIONS = (0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 1 / 3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0)


def search(job: tuple[str, int, float]) -> dict[str, Any]:
    """One search; its anytime curve as (compute spent, best test accuracy so far) points."""
    import torch

    torch.set_num_threads(1)
    from netsynth import create_experiment
    from netsynth.tabular.estimator import TabularEstimator, tabular_space
    from netsynth.trial_record import TrialState

    method, seed, budget = job
    strategy, scheduler = METHODS[method]
    estimator = TabularEstimator()
    experiment = create_experiment(
        architecture=tabular_space(estimator.table),
        metric="val_acc",
        direction="maximize",
        strategy=strategy,
        scheduler=scheduler,
        seed=seed,
    )
    started = time.perf_counter()
    experiment.run(estimator, max_compute_seconds=budget, progress=False)
    seconds = time.perf_counter() - started
    spent, best_val, points = 0.0, -1.0, []
    trials = experiment.trials()
    for trial in trials:  # one worker: trials finish in number order
        spent += trial.metrics.get("simulated_seconds", 0.0)
        done = trial.state is TrialState.COMPLETE and "test_acc" in trial.metrics
        if done and trial.value is not None and trial.value > best_val:
            best_val = trial.value
            points.append((spent, trial.metrics["test_acc"]))
        elif points:
            points.append((spent, points[-1][1]))
    return {
        "method": method,
        "seed": seed,
        "points": points,
        "trials": len(trials),
        "full": sum(1 for t in trials if "test_acc" in t.metrics),
        "seconds": seconds,
    }


def at(points: list[tuple[float, float]], compute: float) -> float | None:
    """The best test accuracy once ``compute`` simulated seconds were spent."""
    value = None
    for spent, accuracy in points:
        if spent > compute * (1 + 1e-9):
            break
        value = accuracy
    return value


def mean_curve(rows: list[dict[str, Any]], budget: float) -> list[float | None]:
    """Mean over seeds at each fraction of the budget (None until every seed has a value)."""
    out: list[float | None] = []
    for fraction in FRACTIONS:
        values = [at(r["points"], fraction * budget) for r in rows]
        out.append(None if any(v is None for v in values) else statistics.mean(values))  # type: ignore[arg-type]
    return out


def compute_to_reach(rows: list[dict[str, Any]], budget: float, target: float) -> float | None:
    """The least share of the budget at which the mean curve reaches ``target``."""
    grid = sorted({spent for r in rows for spent, _ in r["points"] if spent <= budget})
    low, high = 0, len(grid) - 1
    found = None
    while low <= high:  # the mean curve only rises
        middle = (low + high) // 2
        values = [at(r["points"], grid[middle]) for r in rows]
        if all(v is not None for v in values) and statistics.mean(values) >= target:  # type: ignore[arg-type]
            found = grid[middle]
            high = middle - 1
        else:
            low = middle + 1
    return None if found is None else found / budget


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=100)
    parser.add_argument("--budget-trials", type=float, default=100.0)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--methods", default=",".join(METHODS))
    args = parser.parse_args()
    names = [n.strip() for n in args.methods.split(",") if n.strip()]

    from netsynth.tabular.table import TabularTable

    table = TabularTable.load()
    budget = args.budget_trials * float((table.epoch_seconds * table.epochs).mean())
    print(
        f"table: {len(table)} cells, {table.epochs} epochs; best test accuracy "
        f"{100 * table.best_test_acc():.2f}%; budget {budget:.0f} simulated s "
        f"(= {args.budget_trials:g} mean full trainings); {args.seeds} seeds; "
        f"{platform.machine()}, {os.cpu_count()} cores, {args.workers} worker processes\n"
    )
    jobs = [(name, seed, budget) for name in names for seed in range(args.seeds)]
    started = time.perf_counter()
    with multiprocessing.get_context("spawn").Pool(args.workers) as pool:
        results = pool.map(search, jobs, chunksize=2)
    by_name = {name: [r for r in results if r["method"] == name] for name in names}

    print("mean test accuracy (%) of the best fully trained cell vs share of the budget:")
    print(f"{'method':<10}" + "".join(f"{f:>7.2f}" for f in FRACTIONS))
    curves = {name: mean_curve(rows, budget) for name, rows in by_name.items()}
    for name, curve in curves.items():
        cells = "".join(f"{100 * v:7.2f}" if v is not None else f"{'-':>7}" for v in curve)
        print(f"{name:<10}{cells}")

    print(
        f"\n{'method':<10} {'final acc %':>14} {'trials':>7} {'full':>6} {'s/search':>9} "
        f"{'compute to reach random final':>31}"
    )
    target = curves["random"][-1] if "random" in curves else None
    for name, rows in by_name.items():
        finals = [at(r["points"], budget) or 0.0 for r in rows]
        share = compute_to_reach(rows, budget, target) if target is not None else None
        reach = f"{share:.3f} of the budget" if share is not None else "not reached"
        spread = f"{100 * statistics.mean(finals):6.2f} ± {100 * statistics.pstdev(finals):4.2f}"
        print(
            f"{name:<10} {spread}"
            f" {statistics.mean(r['trials'] for r in rows):7.1f}"
            f" {statistics.mean(r['full'] for r in rows):6.1f}"
            f" {statistics.mean(r['seconds'] for r in rows):9.2f} {reach:>31}"
        )
    print(f"\nsearches took {time.perf_counter() - started:.0f} s in all")


if __name__ == "__main__":
    main()
