"""Search strategies compared on a tabular benchmark: netsynth's MNIST-1D table or a published
one (NAS-Bench-201, HPOBench, FCNet; ``pip install "netsynth[benchmarks]"``).

    python benchmarks/strategies.py [--seeds 100] [--budget-trials 100] [--workers 2]
    python benchmarks/strategies.py --table nb201/cifar10 [--seeds 100] [--gp-seeds 20] \
        [--trials 100,300] [--simulated-budget 12000 --cost-scale 0.06]

With ``--table NAME`` (a published table), every strategy runs ``--seeds`` seeded searches of
``max(--trials)`` trials each (``--gp-seeds`` for GP-BO, whose proposals are slow); the chosen
configuration after each trial count of ``--trials`` is the best *observed* one so far, judged by
its ground truth (mean over the table's seeds). Printed: mean ± std of that ground truth and its
regret to the table's optimum, the exact expectation of random search computed from the table
(the sanity check: random search must land within 0.1 of it), the best strategy's regret as a
share of random search's, the NAS-Bench-201 paper's own results beside (not like-for-like: the
paper searched on 12-epoch accuracies under a time budget), and each strategy's proposal
overhead with 1000 finished trials. ``--simulated-budget S --cost-scale C`` runs each search
until S simulated seconds are spent, each query charging its 200-epoch training time times C
(``--cost-scale 0.06`` = 12/200 approximates the paper's 12-epoch protocol; the table holds no
12-epoch results, so this is an approximation).

On the MNIST-1D table (the default), each strategy searches the table's space with a simulated
budget of ``budget-trials`` times the mean cost of training one cell (so cheap cells buy more
trials), through the real experiment loop with the tabular estimator; the chosen cell is the
best by validation accuracy. The table shows, over the seeds, the mean ± std of the chosen
cell's test accuracy and its regret to the table's best test accuracy, like the NAS-Bench-201
paper's comparison; then the reduction of mean regret against random search, and each strategy's
proposal overhead with 1000 finished trials of history (median ms per proposal).
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
PUBLISHED_STRATEGIES = ("random", "grid", "evolution", "reinforce", "tpe", "gp", "bananas")


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
    import torch
    from table_search import time_proposals

    torch.set_num_threads(1)
    from netsynth import create_experiment
    from netsynth.tabular.estimator import TabularEstimator, tabular_space

    estimator = TabularEstimator()
    space = tabular_space(estimator.table)
    experiment = create_experiment(
        architecture=space, metric="val_acc", direction="maximize", strategy="random", seed=0
    )
    for _ in range(history):  # random cells with their table values
        trial = experiment.ask()
        genotype, _ = space.decode(trial.params)
        experiment.tell(trial, float(estimator.table.row(genotype.ops).val_acc[-1]))  # type: ignore[attr-defined]
    return time_proposals(experiment, space, space.flat(), name, repeats)


def _mean_std(values: list[float]) -> str:
    return f"{100 * statistics.mean(values):6.2f} ± {100 * statistics.pstdev(values):5.2f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--table",
        default="mnist1d",
        help="mnist1d (netsynth's own table) or a published one, e.g. nb201/cifar10",
    )
    parser.add_argument("--seeds", type=int, default=100)
    parser.add_argument("--budget-trials", type=float, default=100.0)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--strategies", default=None, help="comma-separated (default: all)")
    parser.add_argument(
        "--trials",
        default="100,300",
        help="published tables: the trial counts at which the choice is judged",
    )
    parser.add_argument(
        "--simulated-budget",
        type=float,
        default=None,
        help="published tables: search until this many simulated seconds are spent instead",
    )
    parser.add_argument(
        "--cost-scale",
        type=float,
        default=1.0,
        help="published tables: simulated seconds per query = training time x this",
    )
    parser.add_argument(
        "--gp-seeds",
        type=int,
        default=None,
        help="fewer seeds for gp, whose proposals take seconds (default: --seeds)",
    )
    args = parser.parse_args()
    if args.table != "mnist1d":
        published(args)
        return
    names = [n.strip() for n in (args.strategies or ",".join(STRATEGIES)).split(",") if n.strip()]

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

    from table_search import seed_count

    jobs = [(name, seed, budget) for name in names for seed in range(seed_count(args, name))]
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


def published(args: argparse.Namespace) -> None:
    """The comparison on a published table (see the module docstring)."""
    from table_search import PAPER, mean_std, proposal_overhead, run_search, seed_count

    from netsynth.tabular.published import PublishedTable

    table = PublishedTable.load(args.table)
    names = [
        n.strip()
        for n in (args.strategies or ",".join(PUBLISHED_STRATEGIES)).split(",")
        if n.strip()
    ]
    checkpoints = tuple(sorted(int(n) for n in args.trials.split(",")))
    maximize = table.direction == "maximize"
    scale = 100.0 if table.metric.endswith("acc") else 1.0  # accuracies in percent
    unit = "%" if scale == 100.0 else ""
    optimum = float(table.mean[table.best()])
    print(
        f"table {args.table}: {len(table):,} configurations, {int(table.seeds.min())}-"
        f"{int(table.seeds.max())} training seeds each; metric {table.metric} "
        f"({table.direction}); optimum (best mean over seeds) {scale * optimum:.4g}{unit}"
    )
    exact = {n: table.expected_random_search(n) for n in checkpoints}
    print(
        "exact expectation of random search (uniform draws, one random seed observed each): "
        + ", ".join(f"{n} trials {scale * v:.2f}{unit}" for n, v in exact.items())
    )
    budget = (
        f"simulated budget {args.simulated_budget:g} s at cost scale {args.cost_scale:g}"
        if args.simulated_budget is not None
        else f"trial counts {', '.join(map(str, checkpoints))}"
    )
    print(
        f"{budget}; {args.seeds} seeds (gp: {args.gp_seeds or args.seeds}); "
        f"{platform.machine()}, {os.cpu_count()} cores, {args.workers} worker processes, "
        f"load {os.getloadavg()[0]:.2f}\n"
    )

    jobs = [
        (args.table, name, seed, checkpoints, args.cost_scale, args.simulated_budget)
        for name in names
        for seed in range(seed_count(args, name))
    ]
    started = time.perf_counter()
    with multiprocessing.get_context("spawn").Pool(args.workers) as pool:
        results = pool.map(run_search, jobs, chunksize=1)
    print(f"searches took {time.perf_counter() - started:.0f} s in all\n")
    counts = checkpoints if args.simulated_budget is None else (None,)
    for count in counts:
        chosen: dict[str, list[float]] = {}
        for name in names:
            rows = [r for r in results if r["strategy"] == name]
            chosen[name] = [
                next(iter(r["chosen"].values())) if count is None else r["chosen"][count]
                for r in rows
            ]
        regret = {
            name: [(optimum - v) if maximize else (v - optimum) for v in values]
            for name, values in chosen.items()
        }
        heading = f"after {count} trials" if count is not None else "at the simulated budget"
        print(f"{heading}: ground truth of the chosen configuration, mean ± std over seeds")
        print(f"{'strategy':<10} {'seeds':>5} {'chosen':>16} {'regret':>14} {'trials':>7}")
        for name in names:
            trials = statistics.mean(r["trials"] for r in results if r["strategy"] == name)
            print(
                f"{name:<10} {len(chosen[name]):>5} {mean_std(chosen[name], scale):>16} "
                f"{mean_std(regret[name], scale):>14} {trials:7.0f}"
            )
        print(f"{'optimum':<10} {'':>5} {scale * optimum:>9.2f}")
        if count is not None:
            print(f"{'exact RS':<10} {'':>5} {scale * exact[count]:>9.2f}")
        if "random" in chosen:
            ours = statistics.mean(chosen["random"])
            if count is not None:
                gap = scale * (ours - exact[count])
                error = scale * statistics.pstdev(chosen["random"]) / len(chosen["random"]) ** 0.5
                print(
                    f"sanity: random search {scale * ours:.2f} vs exact {scale * exact[count]:.2f}"
                    f" = {gap:+.3f}, standard error of the mean {error:.3f} "
                    f"(within ±0.1: {'yes' if abs(gap) <= 0.1 else 'NO'})"
                )
            base = statistics.mean(regret["random"])
            others = [n for n in names if n != "random"]
            if others and base > 0:
                best = min(others, key=lambda n: statistics.mean(regret[n]))
                mine = statistics.mean(regret[best])
                print(
                    f"best: {best}, mean regret {scale * mine:.3f} = {mine / base:.2f} x random "
                    f"search's {scale * base:.3f} (target <= 0.5); chosen mean "
                    f"{scale * statistics.mean(chosen[best]):.2f}"
                )
        paper = PAPER.get(args.table)
        if paper is not None:
            print(
                "NAS-Bench-201 paper, validation accuracy (12-epoch search signal, simulated "
                "time budget; not like-for-like): "
                + ", ".join(
                    f"{k} {m:.2f}" + (f" ± {s:.2f}" if s else "") for k, (m, s) in paper.items()
                )
            )
        print()
    print("proposal overhead with 1000 finished trials (median ms per proposal; gp: 3 proposals):")
    for name in names:
        repeats = 3 if name == "gp" else 15
        print(f"  {name:<10} {proposal_overhead(args.table, name, repeats=repeats):8.2f} ms")


if __name__ == "__main__":
    main()
