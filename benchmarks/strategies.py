"""Search strategies compared on the tabular benchmark (NAS-Bench-201-style cell on MNIST-1D).

    python benchmarks/strategies.py [--seeds 100] [--budget-trials 100] [--workers 2]

Each strategy searches the table's space with a simulated budget of ``budget-trials`` times the
mean cost of training one cell (so cheap cells buy more trials), through the real experiment
loop with the tabular estimator; the chosen cell is the best by validation accuracy. The table
shows, over the seeds, the mean ± std of the chosen cell's test accuracy and its regret to the
table's best test accuracy, like the NAS-Bench-201 paper's comparison; then the reduction of
mean regret against random search, and each strategy's proposal overhead with 1000 finished
trials of history (median ms per proposal).
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import platform
import statistics
import time
from typing import Any

STRATEGIES = ("random", "evolution", "reinforce", "tpe", "gp", "bananas")


def search(job: tuple[str, int, float]) -> dict[str, Any]:
    """One search: the strategy's chosen cell and what it cost."""
    import torch

    torch.set_num_threads(1)
    from netsynth import create_experiment
    from netsynth.tabular.estimator import TabularEstimator, tabular_space

    name, seed, budget = job
    estimator = TabularEstimator()
    experiment = create_experiment(
        architecture=tabular_space(estimator.table),
        metric="val_acc",
        direction="maximize",
        strategy=name,
        seed=seed,
    )
    started = time.perf_counter()
    experiment.run(estimator, max_compute_seconds=budget, progress=False)
    best = experiment.best_trial
    assert best is not None
    return {
        "strategy": name,
        "seed": seed,
        "val_acc": best.value,
        "test_acc": best.metrics["test_acc"],
        "trials": len(experiment.trials()),
        "seconds": time.perf_counter() - started,
    }


def proposal_overhead(name: str, history: int = 1000, repeats: int = 15) -> float:
    """Median ms per proposal of ``name`` with ``history`` finished trials."""
    import numpy as np
    import torch

    torch.set_num_threads(1)
    from netsynth import create_experiment
    from netsynth.tabular.estimator import TabularEstimator, tabular_space

    estimator = TabularEstimator()
    space = tabular_space(estimator.table)
    experiment = create_experiment(
        architecture=space, metric="val_acc", direction="maximize", strategy="random", seed=0
    )
    rng = np.random.default_rng(0)
    for _ in range(history):  # random cells with their table values
        trial = experiment.ask()
        genotype, _ = space.decode(trial.params)
        experiment.tell(trial, float(estimator.table.row(genotype.ops).val_acc[-1]))  # type: ignore[attr-defined]
    from netsynth.strategies.context import StrategyContext
    from netsynth.strategies.registry import make_strategy

    strategy = make_strategy(
        {"name": name}, seed=0, context=StrategyContext(experiment.goal, space)
    )
    flat = space.flat()
    trials = experiment.trials()
    strategy.propose(flat, trials, [len(trials)])  # warm-up: catch up with the history
    times = []
    for _ in range(repeats):
        trial = experiment.ask()  # one more finished trial, then one timed proposal
        experiment.tell(trial, float(rng.random()))
        trials = experiment.trials()
        started = time.perf_counter()
        strategy.propose(flat, trials, [len(trials)])
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def _mean_std(values: list[float]) -> str:
    return f"{100 * statistics.mean(values):6.2f} ± {100 * statistics.pstdev(values):5.2f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=100)
    parser.add_argument("--budget-trials", type=float, default=100.0)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--strategies", default=",".join(STRATEGIES))
    parser.add_argument(
        "--gp-seeds",
        type=int,
        default=None,
        help="fewer seeds for gp, whose proposals take seconds (default: --seeds)",
    )
    args = parser.parse_args()
    names = [n.strip() for n in args.strategies.split(",") if n.strip()]

    from netsynth.tabular.table import TabularTable

    table = TabularTable.load()
    full_cost = table.epoch_seconds * table.epochs
    budget = args.budget_trials * float(full_cost.mean())
    optimum = table.best_test_acc()
    print(
        f"table: {len(table)} cells over {', '.join(table.ops)}, {table.epochs} epochs; "
        f"best test accuracy {100 * optimum:.2f}%"
    )
    print(
        f"budget: {budget:.0f} simulated seconds (= {args.budget_trials:g} mean trainings, "
        f"{100 * args.budget_trials / len(table):.1f}% of the table); {args.seeds} seeds; "
        f"{platform.machine()}, {os.cpu_count()} cores, {args.workers} worker processes\n"
    )

    def seeds(name: str) -> int:
        return args.gp_seeds if name == "gp" and args.gp_seeds is not None else args.seeds

    jobs = [(name, seed, budget) for name in names for seed in range(seeds(name))]
    started = time.perf_counter()
    with multiprocessing.get_context("spawn").Pool(args.workers) as pool:
        results = pool.map(search, jobs, chunksize=4)
    by_name = {name: [r for r in results if r["strategy"] == name] for name in names}
    regrets = {n: [optimum - r["test_acc"] for r in rs] for n, rs in by_name.items()}
    print(
        f"{'strategy':<10} {'seeds':>5} {'test acc % (mean ± std)':>24} {'regret %':>16} "
        f"{'trials':>7} "
        f"{'s/search':>9}"
    )
    for name, rows in by_name.items():
        print(
            f"{name:<10} {len(rows):>5} {_mean_std([r['test_acc'] for r in rows]):>24} "
            f"{_mean_std(regrets[name]):>16} {statistics.mean(r['trials'] for r in rows):7.1f} "
            f"{statistics.mean(r['seconds'] for r in rows):9.2f}"
        )
    print(f"{'optimum':<10} {100 * optimum:>16.2f}")
    if "random" in regrets:
        base = statistics.mean(regrets["random"])
        print(
            f"\nmean regret vs random search ({100 * base:.2f}%): reduction = 1 - regret / random's"
        )
        for name in names:
            if name != "random":
                mine = statistics.mean(regrets[name])
                print(
                    f"  {name:<10} {100 * mine:5.2f}%  reduction {100 * (1 - mine / base):6.1f}%  "
                    f"ratio {mine / base:5.2f}"
                )
    print(f"\nsearches took {time.perf_counter() - started:.0f} s in all")
    print("\nproposal overhead with 1000 finished trials (median of 15 proposals; gp: 3):")
    for name in names:
        repeats = 3 if name == "gp" else 15
        print(f"  {name:<10} {proposal_overhead(name, repeats=repeats):8.2f} ms")


if __name__ == "__main__":
    main()
