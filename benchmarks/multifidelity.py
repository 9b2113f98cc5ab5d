"""Multi-fidelity schedulers compared on the tabular benchmark, on its simulated clock.

    python benchmarks/multifidelity.py [--seeds 100] [--budget-trials 100] [--workers 2]

Every method searches the table's space (NAS-Bench-201-style cell on MNIST-1D, 12 epochs per
cell) through the real experiment loop and the tabular estimator, with a simulated compute
budget of ``budget-trials`` times the mean cost of training one cell fully. Methods:

* random      random search, every trial trained fully (FIFO)
* asha        random search + ASHA (epochs 1, 4, 12; η = 3)
* hyperband   random search + Hyperband (3 brackets over the same rungs)
* bohb        BOHB: TPE fitted per budget + Hyperband
* *-late      the same three with rungs at epochs 3, 6 and 12 (η = 2): on this table the
              validation accuracy after 1 or 4 epochs ranks cells poorly (Spearman 0.15 and
              0.52 with the final), after 6 better (0.72)
* curve       random search + learning-curve extrapolation (Domhan et al.; P < 0.05 stops)
* median      random search + median stopping

The anytime curve of a search is, after each finished trial, the test accuracy of the best
fully trained cell so far (chosen by validation accuracy) against the simulated compute spent
so far (and of its validation accuracy, the objective the searches optimize). The tables give
the means over seeds at fractions of the budget, then for each method the compute from which
its mean curve stays at random search's final mean (as a share of the budget, which is random
search's compute; the targets are ≤ 1/3 for ASHA and Hyperband and ≤ 0.6 for curve
extrapolation, i.e. ≥ 40% saved), and the final accuracies.
"""

from __future__ import annotations

import argparse
import bisect
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
    "asha-late": (
        "random",
        {"name": "asha", "max_resource": 12, "min_resource": 3, "reduction_factor": 2},
    ),
    "hyperband-late": (
        "random",
        {"name": "hyperband", "max_resource": 12, "min_resource": 3, "reduction_factor": 2},
    ),
    "bohb-late": (
        "bohb",
        {"name": "hyperband", "max_resource": 12, "min_resource": 3, "reduction_factor": 2},
    ),
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
    spent, best_val, points, val_points = 0.0, -1.0, [], []
    trials = experiment.trials()
    for trial in trials:  # one worker: trials finish in number order
        spent += trial.metrics.get("simulated_seconds", 0.0)
        done = trial.state is TrialState.COMPLETE and "test_acc" in trial.metrics
        if done and trial.value is not None and trial.value > best_val:
            best_val = trial.value
            points.append((spent, trial.metrics["test_acc"]))
            val_points.append((spent, best_val))
        elif points:
            points.append((spent, points[-1][1]))
            val_points.append((spent, best_val))
    return {
        "method": method,
        "seed": seed,
        "points": points,
        "val_points": val_points,
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


def mean_curve(
    rows: list[dict[str, Any]], budget: float, key: str = "points"
) -> list[float | None]:
    """Mean over seeds at each fraction of the budget (None until every seed has a value)."""
    out: list[float | None] = []
    for fraction in FRACTIONS:
        values = [at(r[key], fraction * budget) for r in rows]
        out.append(None if any(v is None for v in values) else statistics.mean(values))  # type: ignore[arg-type]
    return out


def compute_to_reach(
    rows: list[dict[str, Any]], budget: float, target: float, key: str = "points"
) -> float | None:
    """The least share of the budget (on a grid of 400 steps) from which on the mean curve
    stays at ``target`` or above; the mean test curve can dip where a seed's new best by
    validation tests lower."""
    grid = [budget * (i + 1) / 400 for i in range(400)]
    curves = []
    for row in rows:
        spent = [s for s, _ in row[key]]
        values = [v for _, v in row[key]]
        curves.append(
            [values[i - 1] if (i := bisect.bisect_right(spent, g)) else None for g in grid]
        )
    found = None
    for index in range(len(grid) - 1, -1, -1):
        column = [curve[index] for curve in curves]
        if any(v is None for v in column) or statistics.mean(column) < target:  # type: ignore[arg-type]
            break
        found = grid[index]
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

    curves = {name: mean_curve(rows, budget) for name, rows in by_name.items()}
    val_curves = {name: mean_curve(rows, budget, "val_points") for name, rows in by_name.items()}
    for title, table_curves in (
        ("validation accuracy (the objective)", val_curves),
        ("test accuracy", curves),
    ):
        print(f"mean {title} (%) of the best fully trained cell vs share of the budget:")
        print(f"{'method':<10}" + "".join(f"{f:>7.2f}" for f in FRACTIONS))
        for name, curve in table_curves.items():
            cells = "".join(f"{100 * v:7.2f}" if v is not None else f"{'-':>7}" for v in curve)
            print(f"{name:<10}{cells}")
        print()

    print(
        f"{'method':<10} {'final val %':>14} {'final test %':>14} {'trials':>7} {'full':>6} "
        f"{'s/search':>9} {'share of the budget to reach random final: val / test':>54}"
    )
    target = curves["random"][-1] if "random" in curves else None
    val_target = val_curves["random"][-1] if "random" in val_curves else None

    def reach(rows: list[dict[str, Any]], goal: float | None, key: str) -> str:
        share = compute_to_reach(rows, budget, goal, key) if goal is not None else None
        return f"{share:.3f}" if share is not None else "never"

    for name, rows in by_name.items():
        spreads = []
        for key in ("val_points", "points"):
            finals = [at(r[key], budget) or 0.0 for r in rows]
            mean, std = 100 * statistics.mean(finals), 100 * statistics.pstdev(finals)
            spreads.append(f"{mean:6.2f} ± {std:4.2f}")
        shares = f"{reach(rows, val_target, 'val_points')} / {reach(rows, target, 'points')}"
        print(
            f"{name:<10} {spreads[0]:>14} {spreads[1]:>14}"
            f" {statistics.mean(r['trials'] for r in rows):7.1f}"
            f" {statistics.mean(r['full'] for r in rows):6.1f}"
            f" {statistics.mean(r['seconds'] for r in rows):9.2f} {shares:>54}"
        )
    print(f"\nsearches took {time.perf_counter() - started:.0f} s in all")


if __name__ == "__main__":
    main()
