"""Multi-objective search on a published NAS-Bench-201 table: accuracy against latency.

    python benchmarks/pareto.py [--table nb201/cifar10] [--trials 300] [--seeds 20] [--workers 2]

Each method searches the table through the real experiment loop (one training seed observed
per query, as in ``benchmarks/strategies.py``):

* nsga2         Optuna's NSGA-II over (val_acc max, latency_ms min), its default population 50
* nsga2-20      the same with population 20: 15 generations in 300 trials instead of 6
* evolution     regularized evolution with the same two objectives (Pareto tournament), its
                default aging population 20 and tournament 5
* evolution-50  the same with population 50 and tournament 10: an aging population of 20 cannot
                hold a front of 25 cells
* constrained   regularized evolution maximizing val_acc with latency_ms <= the median cell's
* random        random search, for reference

A search's front is that of the configurations it evaluated, each at its ground truth (mean
validation accuracy over the table's seeds) and latency. Its hypervolume is computed with
accuracy and latency each normalized to [0, 1] by the table's own minimum and maximum and the
reference point at the worst corner (lowest accuracy, highest latency), and divided by the
hypervolume of the table's exact front (every cell). The constrained search is also judged by
the best feasible accuracy it found against the table's best feasible cell.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import platform
import statistics
import time
from typing import Any

import numpy as np
from numpy.typing import NDArray

# method -> (strategy, how the goal is set: "pareto", "constrained" or "single")
METHODS: dict[str, tuple[dict[str, Any], str]] = {
    "nsga2": ({"name": "nsga2"}, "pareto"),
    "nsga2-20": ({"name": "nsga2", "population_size": 20}, "pareto"),
    "evolution": ({"name": "evolution"}, "pareto"),
    "evolution-50": ({"name": "evolution", "population": 50, "sample_size": 10}, "pareto"),
    "constrained": ({"name": "evolution"}, "constrained"),
    "random": ({"name": "random"}, "single"),
}


def hypervolume(accuracy: NDArray[np.float64], latency: NDArray[np.float64]) -> float:
    """The area that the points (normalized accuracy up, normalized latency down) dominate,
    up to the reference point (accuracy 0, latency 1)."""
    order = np.argsort(latency, kind="stable")
    lat, acc = latency[order], np.maximum.accumulate(accuracy[order])
    widths = np.diff(np.append(lat, 1.0))
    return float(np.sum(widths * acc))


def normalizer(table: Any) -> tuple[Any, Any]:
    acc, lat = table.mean, table.extra["latency_ms"]
    return (
        lambda a: (a - acc.min()) / (acc.max() - acc.min()),
        lambda value: (value - lat.min()) / (lat.max() - lat.min()),
    )


def run(job: tuple[str, str, int, int, float]) -> dict[str, Any]:
    """One search; its hypervolume ratio and best feasible ground truth."""
    import torch

    torch.set_num_threads(1)
    from table_search import make_search

    table_name, method, seed, trials, bound = job
    strategy, goal = METHODS[method]
    experiment, estimator = make_search(
        table_name,
        strategy,
        seed,
        constraints={"latency_ms": bound} if goal == "constrained" else None,
        pareto=[("latency_ms", "minimize")] if goal == "pareto" else (),
    )
    started = time.perf_counter()
    experiment.run(estimator, max_trials=trials, progress=False)
    seconds = time.perf_counter() - started
    table = estimator.table
    rows = np.array([table.index(t.params) for t in experiment.trials() if t.metrics])
    acc, lat = normalizer(table)
    exact = hypervolume(acc(table.mean), lat(table.extra["latency_ms"]))
    found = hypervolume(acc(table.mean[rows]), lat(table.extra["latency_ms"][rows]))
    feasible = rows[table.extra["latency_ms"][rows] <= bound]
    return {
        "method": method,
        "seed": seed,
        "ratio": found / exact,
        "best_feasible": float(table.mean[feasible].max()) if len(feasible) else float("nan"),
        "seconds": seconds,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--table", default="nb201/cifar10")
    parser.add_argument("--trials", type=int, default=300)
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--methods", default=",".join(METHODS))
    args = parser.parse_args()
    from netsynth.tabular.published import PublishedTable

    table = PublishedTable.load(args.table)
    latency = table.extra["latency_ms"]
    bound = float(np.median(latency))
    acc, lat = normalizer(table)
    exact = hypervolume(acc(table.mean), lat(latency))
    best_feasible = float(table.mean[latency <= bound].max())
    print(
        f"table {args.table}: {len(table):,} cells; accuracy {100 * table.mean.min():.2f}-"
        f"{100 * table.mean.max():.2f}%, latency {latency.min():.2f}-{latency.max():.2f} ms; "
        f"exact front's hypervolume {exact:.4f} (normalized); median latency {bound:.2f} ms, "
        f"best cell within it {100 * best_feasible:.2f}%"
    )
    print(
        f"{args.trials} trials, {args.seeds} seeds; {platform.machine()}, {os.cpu_count()} "
        f"cores, {args.workers} worker processes, load {os.getloadavg()[0]:.2f}\n"
    )
    methods = [m.strip() for m in args.methods.split(",") if m.strip()]
    jobs = [(args.table, m, s, args.trials, bound) for m in methods for s in range(args.seeds)]
    started = time.perf_counter()
    with multiprocessing.get_context("spawn").Pool(args.workers) as pool:
        results = pool.map(run, jobs, chunksize=1)
    print(
        f"{'method':<12} {'seeds':>5} {'hypervolume / exact':>20} {'min':>6} "
        f"{'best within median latency':>27} {'s/search':>9}"
    )
    for method in methods:
        rows = [r for r in results if r["method"] == method]
        ratios = [r["ratio"] for r in rows]
        feasible = [r["best_feasible"] for r in rows]
        print(
            f"{method:<12} {len(rows):>5} {statistics.mean(ratios):>12.4f} ± "
            f"{statistics.pstdev(ratios):.4f} {min(ratios):6.3f} "
            f"{100 * statistics.mean(feasible):>20.2f} ± {100 * statistics.pstdev(feasible):.2f}"
            f" {statistics.mean(r['seconds'] for r in rows):9.2f}"
        )
    print(f"{'table':<12} {'':>5} {1.0:>12.4f} {'':>16} {100 * best_feasible:>20.2f}")
    best = max(
        methods, key=lambda m: statistics.mean(r["ratio"] for r in results if r["method"] == m)
    )
    mean = statistics.mean(r["ratio"] for r in results if r["method"] == best)
    print(
        f"\nbest: {best}, hypervolume {mean:.4f} of the exact front's at {args.trials} trials "
        f"(target >= 0.95: {'met' if mean >= 0.95 else 'NOT met'}); searches took "
        f"{time.perf_counter() - started:.0f} s"
    )


if __name__ == "__main__":
    main()
