"""One-shot NAS on the tabular benchmark: DARTS (plain and early-stopped) and ENAS.

Each search trains a supernet of the table's NB201 cell (its ops and skeleton) on MNIST-1D,
derives a cell, and looks the cell up in the table (test accuracy after the table's recipe).
Random search at equal wall time: a search of W seconds buys the random cells whose training
time t (the table's ``epoch_seconds * epochs``, as benchmarks/strategies.py counts it) fits in
W; random search returns the one with the best validation accuracy, and its mean test
accuracy is over 2000 such draws. The table's seconds were measured on an idle machine, so
right after each search the benchmark times one epoch of a table cell trained alone, and
divides W by the slowdown it finds (measured / table seconds): both sides then pay the load
the machine had at the time.

    NETSYNTH_THREADS=1 python benchmarks/oneshot_tabular.py --seeds 5 --epochs 4
    NETSYNTH_THREADS=1 python benchmarks/oneshot_tabular.py --trajectory 12

``--trajectory E``: plain DARTS for E epochs; after each epoch the cell its alpha derives
(argmax per edge, from ``attrs["alphas"]``), looked up in the table: whether and when it
collapses onto parameter-free ops.
"""

from __future__ import annotations

import argparse
import functools
import statistics
import tempfile
import time
from typing import Any

import numpy as np
import torch

from netsynth.data.splits import Splits
from netsynth.estimation.training import DataConfig, FinalConfig
from netsynth.oneshot.config import OneShotConfig
from netsynth.oneshot.derive import parameter_free_share
from netsynth.oneshot.oneshot_estimator import OneShotEstimator
from netsynth.space.nb201_genotype import NB201Genotype
from netsynth.tabular.estimator import tabular_space
from netsynth.tabular.generate import load_splits, train_alone_seconds
from netsynth.tabular.recipe import TableRecipe
from netsynth.tabular.table import TabularTable
from netsynth.training_config import TrainingConfig
from netsynth.trial import Trial
from netsynth.trial_task import TrialTask

METHODS = {
    "darts (plain)": {"method": "darts"},
    "darts + early_stop": {"method": "darts", "remedy": "early_stop"},
    "darts + perturbation": {"method": "darts", "remedy": "perturbation"},
    "enas": {"method": "enas"},
    "enas + fair sampling": {"method": "enas", "child_sampling": "fair"},
}


class _Quiet:
    def report(self, *args: object) -> bool:
        return False


def search(
    table: TabularTable, options: dict[str, object], seed: int, epochs: int
) -> dict[str, Any]:
    space = tabular_space(table)
    config = OneShotConfig.from_dict({"epochs": epochs, **options})
    with tempfile.TemporaryDirectory() as folder:
        estimator = OneShotEstimator(
            space, DataConfig("mnist1d"), config, FinalConfig(export_dir=folder), device="cpu"
        )
        estimator.splits()  # data loading is not search time
        params = space.params_of(space.sample(np.random.default_rng(0)), TrainingConfig())
        trial = Trial(
            TrialTask(trial_id=seed, number=seed, seed=seed, metric="val_acc", params=params),
            _Quiet(),
        )  # type: ignore[arg-type]
        started = time.perf_counter()
        estimator.estimate(trial)
        seconds = time.perf_counter() - started
    ops = trial.attrs["genotype"]["ops"]
    per_epoch = [
        tuple(
            max(probabilities, key=probabilities.get) for probabilities in entry["edges"].values()
        )
        for entry in trial.attrs["alphas"]
    ]
    return {
        "per_epoch": per_epoch,
        "test_acc": table.row(ops).test_acc,
        "seconds": seconds,
        "slowdown": slowdown(table),
        "free": parameter_free_share(NB201Genotype(tuple(ops))),
    }


@functools.cache
def _table_splits(table: TabularTable) -> Splits:
    return load_splits(TableRecipe.from_dict(table.header["recipe"]))


def slowdown(table: TabularTable, cell: tuple[str, ...] = ("conv_3x3",) * 6) -> float:
    """How much slower one epoch of ``cell`` trains alone now than the table says."""
    recipe = TableRecipe.from_dict(table.header["recipe"])
    splits = _table_splits(table)
    train_alone_seconds(cell, splits, recipe)  # warm-up
    return train_alone_seconds(cell, splits, recipe) / table.row(cell).epoch_seconds


def random_search_mean(
    table: TabularTable, seconds: float, draws: int = 2000
) -> tuple[float, float]:
    """Random search's mean test accuracy when it may train cells (each at its own table cost,
    ``epoch_seconds * epochs``) for ``seconds``; and the mean number of cells it trains."""
    rng = np.random.default_rng(0)
    results, counts = [], []
    for _ in range(draws):
        spent, best = 0.0, None
        while best is None or spent < seconds:
            row = table.row(tuple(rng.choice(table.ops, 6)))
            spent += row.epoch_seconds * table.epochs
            if spent > seconds and best is not None:
                break
            if best is None or row.val_acc[-1] > best.val_acc[-1]:
                best = row
            counts.append(1)
        results.append(best.test_acc)
    return float(np.mean(results)), len(counts) / draws


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--methods", nargs="*", default=list(METHODS), choices=list(METHODS))
    parser.add_argument("--trajectory", type=int, default=0, metavar="EPOCHS")
    args = parser.parse_args()
    torch.set_num_threads(1)
    table = TabularTable.load()
    if args.trajectory:
        trajectory(table, args.seeds, args.trajectory)
        return
    print(
        f"table best test acc {100 * table.best_test_acc():.2f}%; one cell trains in "
        f"{float(table.epoch_seconds.mean()) * table.epochs:.1f} s on average"
    )
    print(
        "| method | test acc (mean ± sd) | search s | machine slowdown | param-free share "
        "| random search at equal wall time |"
    )
    print("| --- | --- | --- | --- | --- | --- |")
    for name in args.methods:
        options = METHODS[name]
        runs = [search(table, options, seed, args.epochs) for seed in range(args.seeds)]
        accs = [r["test_acc"] for r in runs]
        seconds = statistics.mean(r["seconds"] for r in runs)
        factor = statistics.mean(r["slowdown"] for r in runs)
        random_mean, k = random_search_mean(
            table, statistics.mean(r["seconds"] / r["slowdown"] for r in runs)
        )
        print(
            f"| {name} | {100 * statistics.mean(accs):.2f} ± {100 * statistics.stdev(accs):.2f}% "
            f"({', '.join(f'{100 * a:.1f}' for a in accs)}) | {seconds:.1f} | {factor:.2f}x | "
            f"{statistics.mean(r['free'] for r in runs):.2f} | "
            f"{100 * random_mean:.2f}% ({k:.1f} cells) |",
            flush=True,
        )


def trajectory(table: TabularTable, seeds: int, epochs: int) -> None:
    runs = [search(table, {"method": "darts"}, seed, epochs) for seed in range(seeds)]
    print(f"plain DARTS, seeds 0-{seeds - 1}: the cell derived after each epoch")
    print(
        "| epoch | test acc, mean (per seed) | param-free share "
        "| cells with none or skip on 3+ edges |"
    )
    print("| --- | --- | --- | --- |")
    for epoch in range(epochs):
        cells = [run["per_epoch"][epoch] for run in runs]
        accs = [table.row(cell).test_acc for cell in cells]
        free = statistics.mean(parameter_free_share(NB201Genotype(cell)) for cell in cells)
        collapsed = sum(sum(op in ("none", "skip_connect") for op in cell) >= 3 for cell in cells)
        print(
            f"| {epoch + 1} | {100 * statistics.mean(accs):.2f}% "
            f"({', '.join(f'{100 * a:.1f}' for a in accs)}) | {free:.2f} | {collapsed}/{seeds} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
