"""Search strategies on a published table (NAS-Bench-201, HPOBench, FCNet), seed by seed.

Used by ``benchmarks/strategies.py --table NAME`` and ``benchmarks/pareto.py``. Every search
runs through the real experiment loop (``Experiment.run``) with the published-table estimator:
each trial observes one training seed drawn at random among the table's, the search picks the
configuration with the best *observed* value, and that choice is judged by its ground truth
(the mean over the table's seeds), as in NAS-Bench-201's own comparison.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Sequence
from typing import Any

# The NAS-Bench-201 paper's search results (Dong & Yang, ICLR 2020, Table 5): validation
# accuracy (%) of the chosen cell, mean ± std over 500 runs, each searching on 12-epoch
# accuracies under a simulated time budget (12,000 s on CIFAR-10) — not like-for-like with a
# fixed trial count on 200-epoch accuracies.
PAPER: dict[str, dict[str, tuple[float, float]]] = {
    "nb201/cifar10": {
        "REA": (91.19, 0.31),
        "RS": (90.93, 0.36),
        "REINFORCE": (91.09, 0.37),
        "BOHB": (90.82, 0.53),
        "optimum": (91.61, 0.0),
    },
    "nb201/cifar100": {
        "REA": (71.81, 1.12),
        "RS": (70.93, 1.09),
        "REINFORCE": (71.61, 1.12),
        "BOHB": (70.74, 1.29),
        "optimum": (73.49, 0.0),
    },
    "nb201/imagenet16-120": {
        "REA": (45.15, 0.89),
        "RS": (44.45, 1.10),
        "REINFORCE": (45.05, 1.02),
        "BOHB": (44.26, 1.36),
        "optimum": (46.77, 0.0),
    },
}


def make_search(
    table: str,
    strategy: str | dict[str, Any],
    seed: int,
    *,
    constraints: dict[str, float] | None = None,
    pareto: Sequence[tuple[str, str]] = (),
    cost_scale: float = 1.0,
) -> tuple[Any, Any]:
    """An in-memory experiment over ``table``'s space and the estimator that answers it."""
    from netsynth import create_experiment
    from netsynth.tabular.published_estimator import PublishedTableEstimator

    estimator = PublishedTableEstimator(table, cost_scale=cost_scale)
    architecture = estimator.architecture_space()
    experiment = create_experiment(
        metric=estimator.metric,
        direction=estimator.direction,
        architecture=architecture,
        parameters=None if architecture is not None else estimator.search_space(),
        strategy=strategy,
        seed=seed,
        constraints=constraints,
        pareto=pareto,
    )
    return experiment, estimator


def chosen_truth(trials: Sequence[Any], metric: str, maximize: bool, count: int) -> float | None:
    """The ground truth of the configuration the search would pick after its first ``count``
    trials: the best observed value among them (trials in the order they were numbered)."""
    done = [t for t in trials if t.number < count and t.metrics.get(metric) is not None]
    if not done:
        return None
    pick = (max if maximize else min)(done, key=lambda t: t.metrics[metric])
    return float(pick.metrics[f"mean_{metric}"])


def run_search(job: tuple[str, str, int, tuple[int, ...], float, float | None]) -> dict[str, Any]:
    """One seeded search; the ground truth of its choice after each of ``checkpoints`` trials
    (or, with a simulated budget, once that budget is spent)."""
    import torch

    torch.set_num_threads(1)
    table, name, seed, checkpoints, cost_scale, simulated_budget = job
    experiment, estimator = make_search(table, name, seed, cost_scale=cost_scale)
    started = time.perf_counter()
    if simulated_budget is None:
        experiment.run(estimator, max_trials=max(checkpoints), progress=False)
    else:
        experiment.run(estimator, max_compute_seconds=simulated_budget, progress=False)
    seconds = time.perf_counter() - started
    trials = experiment.trials()
    maximize = estimator.direction == "maximize"
    counts = checkpoints if simulated_budget is None else (len(trials),)
    return {
        "strategy": name,
        "seed": seed,
        "chosen": {n: chosen_truth(trials, estimator.metric, maximize, n) for n in counts},
        "trials": len(trials),
        "seconds": seconds,
    }


def proposal_overhead(table: str, name: str, history: int = 1000, repeats: int = 15) -> float:
    """Median ms per proposal of strategy ``name`` with ``history`` finished trials of random
    configurations (told their table values) behind it."""
    import torch

    torch.set_num_threads(1)
    experiment, estimator = make_search(table, "random", 0)
    experiment.run(estimator, max_trials=history, progress=False)
    space = estimator.architecture_space()
    flat = space.flat() if space is not None else estimator.search_space()
    return time_proposals(experiment, space, flat, name, repeats)


def time_proposals(experiment: Any, space: Any, flat: Any, name: str, repeats: int) -> float:
    """Median ms per proposal of a fresh strategy ``name`` over ``experiment``'s history, each
    timed proposal after one more finished trial."""
    import numpy as np

    from netsynth.strategies.context import StrategyContext
    from netsynth.strategies.registry import make_strategy

    strategy = make_strategy(
        {"name": name}, seed=0, context=StrategyContext(experiment.goal, space)
    )
    trials = experiment.trials()
    strategy.propose(flat, trials, [len(trials)])  # warm-up: catch up with the history
    rng = np.random.default_rng(0)
    times = []
    for _ in range(repeats):
        trial = experiment.ask()
        experiment.tell(trial, float(rng.random()))
        trials = experiment.trials()
        started = time.perf_counter()
        strategy.propose(flat, trials, [len(trials)])
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def seed_count(args: Any, name: str) -> int:
    """Seeds for strategy ``name``: ``--gp-seeds`` for GP-BO when given, else ``--seeds``."""
    return int(args.gp_seeds if name == "gp" and args.gp_seeds is not None else args.seeds)


def mean_std(values: Sequence[float], scale: float = 100.0) -> str:
    return f"{scale * statistics.mean(values):6.2f} ± {scale * statistics.pstdev(values):4.2f}"
