"""Multi-fidelity schedulers against random search on real training, in wall-clock time.

    python benchmarks/multifidelity_real.py [--dataset fashion-mnist|mnist1d|all]
        [--budget 15m] [--seeds 1] [--methods random,asha,...] [--workers 2]
        [--out benchmarks/results/multifidelity_real.jsonl] [--rerun] [--table-only]
    python benchmarks/multifidelity_real.py --quick --dataset mnist1d
    python benchmarks/multifidelity_real.py --record-curves tests/fixtures/mnist1d_curves.json

Every search trains real networks on real data through the real experiment loop
(``netsynth.create_experiment`` + ``experiment.run`` with ``--workers`` worker processes,
sharing the cores' torch threads), for the same wall-clock budget (``timeout``: the search
phase; the winner is then retrained from scratch on train+validation with its own epochs and
tested, as every netsynth run ends). Methods (``--methods``, comma-separated):

* random          random search, every candidate trained fully (FIFO)
* asha            random search + ASHA (η = 3: rungs at the full epochs, a third of them, a
                  ninth, while at least 1: 3, 8, 24 on MNIST-1D and 1, 4, 12 on Fashion-MNIST)
* hyperband       random search + Hyperband over the same rungs
* bohb            BOHB: TPE fitted per budget + Hyperband
* median          random search + median stopping
* curve           random search + learning-curve extrapolation (P < 0.05 stops)
* evolution+asha  regularized evolution (population 10, tournament 3) + ASHA

Datasets: ``fashion-mnist``, a fixed stratified 10,000-image subset of the Fashion-MNIST
training set (Debian's dataset-fashion-mnist, read by netsynth's IDX reader; 8,000 train /
2,000 validation) and its real 10,000-image test set, searched over chains of 3-6 conv /
sepconv / pool layers 16-64 channels wide trained 12 epochs; ``mnist1d``, netsynth's built-in
(3,200 train / 800 validation / the standard 1,000 test), over chains of 3-6 layers 32-96
channels wide trained 24 epochs, large enough that their learning curves keep rising past the
first epochs. ``--dataset`` picks one (default: both; with ``--quick``, mnist1d).

Random search runs first (each seed), and the Spearman rank correlation of the validation
accuracy after epoch k with the final one, over its fully trained candidates, is printed before
the other searches: how much an early rung can know. Then, per dataset and budget:

* the anytime curve: the best full-fidelity validation accuracy so far (of candidates that
  trained every epoch) against the wall time since the search's first trial, mean over seeds,
  on a grid of fractions of the budget;
* each method's time to random search's final: the first time its best full-fidelity
  validation accuracy reaches random search's final best (mean over seeds), as a fraction of
  the budget, which is random search's wall time (a seed that never reaches it counts the whole
  budget and is flagged);
* the test accuracy of each winner after the retraining, the epochs trained in all (every
  epoch of every trial, stopped ones included), and the load average around each search.

The curve-extrapolation saving is measured on the same sequence of proposals: random search
draws trial ``n``'s candidate from the experiment seed and ``n`` alone (and the training
estimator seeds trial ``n``'s weights the same way), so ``curve`` and ``random`` with the same
seed train the same candidates in the same order, one with its early stopping and one
without. Over the trials both searches got to, the table compares the epochs trained and the
best full-fidelity validation accuracy; each search stores a digest of every trial's
candidate, and the table says on how many of those trials the two agree (all, unless a lost
worker's retry took a number).

Each finished search is appended as one JSON line to ``--out``; a rerun skips the
(dataset, method, seed, budget) searches already there (``--rerun`` runs them again; the
tables take the latest line), so a long measurement can be continued across sessions, and
``--table-only`` prints the tables from the file without running anything (every seed and
budget in it, unless ``--seeds`` or ``--budget`` narrow them). ``--quick`` (one seed, 100 s per
search unless ``--budget`` says otherwise, results in ``multifidelity_real_quick.jsonl`` unless
``--out`` does; sized for under 20 minutes on 2 idle cores: 7 searches of 100 s, each followed by
its winner's retraining) ends with one line ``time to random's final: R``, the best
multi-fidelity method's time to random search's final as a fraction of random search's.
``--record-curves PATH`` trains a few small candidates a few epochs on MNIST-1D with random
search and writes their validation curves as JSON (the scheduler tests replay them).
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import json
import os
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from multifidelity import at  # the table-based benchmark's "best value once this was spent"
from real_data import machine  # the machine's description, as the real-data benchmark stores it

RESULTS = Path(__file__).resolve().parent / "results"
DEFAULT_OUT = RESULTS / "multifidelity_real.jsonl"
QUICK_OUT = RESULTS / "multifidelity_real_quick.jsonl"
FASHION_MNIST = "/usr/share/datasets/fashion-mnist"
FASHION_SUBSET = 10_000  # training images kept (1,000 per class); the test set stays whole
DATA_SEED = 0  # the subset and the train/validation split: the same for every search
DEFAULT_BUDGET = 15 * 60.0
QUICK_BUDGET = 100.0
CLOCK_STOP = "stopped by the clock"  # the reason of a trial the search's end cut short
GRID = (0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 1 / 3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0)
SPEARMAN_EPOCHS = (1, 2, 3, 4, 6, 8, 12, 16)


@dataclass(frozen=True)
class Setup:
    """A dataset's search space (a chain space config)."""

    architecture: dict[str, Any]

    @property
    def epochs(self) -> int:
        """The epochs of a full-fidelity training."""
        return int(self.architecture["training"]["epochs"])


def chain(epochs: int, **settings: Any) -> dict[str, Any]:
    """A chain space config: conv / sepconv / pool layers with batch norm, AdamW with a
    one-cycle schedule over ``epochs``; ``settings`` add or override keys."""
    return {
        "type": "chain",
        "ops": ["conv", "sepconv", "maxpool"],
        "kernels": [3, 5],
        "activations": ["relu", "gelu", "silu"],
        "norms": ["batch"],
        "dropouts": [0.0, 0.1],
        "training": {
            "optimizer": "adamw",
            "lr": {"low": 0.001, "high": 0.02, "log": True},
            "batch_size": [64, 128],
            "weight_decay": {"low": 0.0001, "high": 0.003, "log": True},
            "epochs": epochs,
            "augment": {"low": 0.0, "high": 0.5},
            "schedule": "onecycle",
        },
        **settings,
    }


SETUPS: dict[str, Setup] = {
    # wider layers get 2x2 pooling in front while the map is 28x28 (full_resolution_width)
    "fashion-mnist": Setup(
        chain(12, min_layers=3, max_layers=6, widths=[16, 32, 64], full_resolution_width=16)
    ),
    "mnist1d": Setup(chain(24, min_layers=3, max_layers=6, widths=[32, 64, 96])),
}


def methods(epochs: int) -> dict[str, tuple[dict[str, Any], dict[str, Any]]]:
    """Method name -> (strategy, scheduler) for candidates trained ``epochs`` at most."""
    asha = {"name": "asha", "max_resource": epochs, "reduction_factor": 3}
    hyperband = {"name": "hyperband", "max_resource": epochs, "reduction_factor": 3}
    return {
        "random": ({"name": "random"}, {"name": "fifo"}),
        "asha": ({"name": "random"}, asha),
        "hyperband": ({"name": "random"}, hyperband),
        "bohb": ({"name": "bohb"}, hyperband),
        "median": ({"name": "random"}, {"name": "median"}),
        "curve": ({"name": "random"}, {"name": "curve", "ceiling": 1.0}),
        "evolution+asha": ({"name": "evolution", "population": 10, "sample_size": 3}, asha),
    }


METHOD_NAMES = tuple(methods(1))


# ---------------------------------------------------------------------------------------------
# data


def dataset_source(dataset: str) -> str:
    """What ``DataConfig.dataset`` names: the built-in, or the Fashion-MNIST subset saved as an
    ``.npz`` (content-named, so every search and worker process reads the same file)."""
    if dataset == "mnist1d":
        return "mnist1d"
    from netsynth.auto_search import save_arrays
    from netsynth.data import load_dataset

    full = load_dataset(FASHION_MNIST)
    assert full.x_test is not None and full.y_test is not None
    rng = np.random.default_rng(DATA_SEED)
    per_class = FASHION_SUBSET // full.num_classes
    keep = np.sort(
        np.concatenate(
            [
                rng.permutation(np.flatnonzero(full.y == c))[:per_class]
                for c in range(full.num_classes)
            ]
        )
    )
    return str(save_arrays(full.x[keep], full.y[keep], full.x_test, full.y_test))


# ---------------------------------------------------------------------------------------------
# one search


def candidate_digest(params: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(params, sort_keys=True).encode()).hexdigest()[:12]


def run_search(
    dataset: str, source: str, method: str, seed: int, budget: float, workers: int
) -> dict[str, Any]:
    """Search for ``budget`` wall seconds, retrain and test the winner; the record to store."""
    from netsynth import create_experiment
    from netsynth.estimation.training import DataConfig, FinalConfig, TrainingEstimator
    from netsynth.space.architecture_space import make_architecture_space

    setup = SETUPS[dataset]
    strategy, scheduler = methods(setup.epochs)[method]
    load_start = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="netsynth-mf-real-") as folder:
        estimator = TrainingEstimator(
            make_architecture_space(setup.architecture),
            DataConfig(source, val_fraction=0.2, seed=DATA_SEED),
            FinalConfig(top_k=1, export_dir=str(Path(folder) / "models")),
            device="cpu",
        )
        experiment = create_experiment(
            f"{dataset}-{method}-{seed}",
            storage=f"sqlite:///{Path(folder) / 'search.db'}",
            architecture=setup.architecture,
            metric="val_acc",
            direction="maximize",
            strategy=strategy,
            scheduler=scheduler,
            seed=seed,
        )
        started = time.time()
        state = experiment.run(
            estimator, timeout=budget, workers=workers, executor="process", progress=False
        )
        ended = time.time()
        experiment.refresh()
        trials = experiment.trials()
        attrs = experiment.record.attrs
    origin = min((t.created_at for t in trials), default=started)
    search_end = max((t.finished_at or origin for t in trials), default=origin)
    rows = []
    for t in sorted(trials, key=lambda t: t.number):
        rows.append(
            {
                "number": t.number,
                "state": t.state.value,
                "reason": t.reason,
                "bracket": t.bracket,
                "rung": t.rung,
                "candidate": candidate_digest(dict(t.params)),
                "curve": [r.metrics.get("val_acc") for r in t.reports],
                "value": t.value,
                "start": t.created_at - origin,
                "end": None if t.finished_at is None else t.finished_at - origin,
            }
        )
    winner = attrs.get("winner")
    final = next((e for e in attrs.get("final", []) if e.get("trial") == winner), {})
    return {
        "dataset": dataset,
        "method": method,
        "seed": seed,
        "budget": budget,
        "epochs": setup.epochs,
        "workers": workers,
        "strategy": strategy,
        "scheduler": scheduler,
        "state": state.value,
        "date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
        "machine": machine(),
        "loadavg_start": list(load_start),
        "loadavg_end": list(os.getloadavg()),
        "search_seconds": search_end - origin,
        "retrain_seconds": ended - search_end,
        "total_seconds": ended - started,
        "trials": rows,
        "epochs_trained": sum(len(r["curve"]) for r in rows),
        "winner": winner,
        "test_acc": final.get("test_acc"),
        "winner_architecture": final.get("architecture"),
        "winner_params": final.get("params"),
    }


# ---------------------------------------------------------------------------------------------
# reading the records


def full_fidelity(record: dict[str, Any]) -> list[dict[str, Any]]:
    """The trials that trained every epoch and finished, in the order they finished."""
    done = [
        r
        for r in record["trials"]
        if r["state"] == "COMPLETE" and len(r["curve"]) >= record["epochs"] and r["end"]
    ]
    return sorted(done, key=lambda r: r["end"])


def anytime(record: dict[str, Any]) -> list[tuple[float, float]]:
    """(wall seconds since the first trial, best full-fidelity validation accuracy so far)."""
    points: list[tuple[float, float]] = []
    for row in full_fidelity(record):
        value = row["curve"][record["epochs"] - 1]
        if value is not None and (not points or value > points[-1][1]):
            points.append((row["end"], value))
    return points


def final_best(record: dict[str, Any]) -> float | None:
    points = anytime(record)
    return points[-1][1] if points else None


def time_to(record: dict[str, Any], target: float) -> float | None:
    """The first wall time the best full-fidelity accuracy reached ``target`` (None: never)."""
    for seconds, value in anytime(record):
        if value >= target - 1e-12:
            return min(seconds, record["budget"])
    return None


def spearman_rows(record: dict[str, Any]) -> list[tuple[int, float, int]]:
    """(epoch k, Spearman of the validation accuracy after k epochs with the final one,
    candidates) over the record's fully trained candidates."""
    from scipy.stats import spearmanr

    epochs = record["epochs"]
    curves = [r["curve"] for r in full_fidelity(record) if None not in r["curve"][:epochs]]
    rows = []
    for k in SPEARMAN_EPOCHS:
        if k >= epochs or len(curves) < 3:
            continue
        rho = spearmanr([c[k - 1] for c in curves], [c[epochs - 1] for c in curves]).statistic
        rows.append((k, float(rho), len(curves)))
    return rows


def load_records(path: Path) -> dict[tuple[str, str, int, float], dict[str, Any]]:
    """The latest record of each (dataset, method, seed, budget) in ``path``."""
    records: dict[tuple[str, str, int, float], dict[str, Any]] = {}
    if path.exists():
        for line in path.read_text().splitlines():
            if line.strip():
                r = json.loads(line)
                records[(r["dataset"], r["method"], r["seed"], r["budget"])] = r
    return records


# ---------------------------------------------------------------------------------------------
# tables


def print_spearman(dataset: str, records: list[dict[str, Any]]) -> None:
    for record in records:
        rows = spearman_rows(record)
        if not rows:
            print(f"{dataset} seed {record['seed']}: too few fully trained candidates for Spearman")
            continue
        cells = ", ".join(f"epoch {k}: {rho:+.2f}" for k, rho, _ in rows)
        print(
            f"{dataset}, random search seed {record['seed']}: Spearman of validation accuracy "
            f"after k of {record['epochs']} epochs with the final ({rows[0][2]} candidates): "
            f"{cells}"
        )


def print_tables(
    dataset: str, budget: float, records: list[dict[str, Any]], spearman: bool = True
) -> float | None:
    """Print the tables of one dataset and budget (``spearman``: random search's Spearman
    rows first); return the best multi-fidelity method's time to random search's final (a
    fraction of the budget), None without random search."""
    by_method: dict[str, list[dict[str, Any]]] = {}
    for record in sorted(records, key=lambda r: (METHOD_NAMES.index(r["method"]), r["seed"])):
        by_method.setdefault(record["method"], []).append(record)
    print(f"\n== {dataset}, budget {budget:.0f} s per search ==")
    if spearman and "random" in by_method:
        print_spearman(dataset, by_method["random"])
    print("\nmean best full-fidelity validation accuracy (%) vs fraction of the budget:")
    print(f"{'method':<15}" + "".join(f"{f:>7.2f}" for f in GRID))
    for name, rows in by_method.items():
        cells = []
        for fraction in GRID:
            values = [at(anytime(r), fraction * budget) for r in rows]
            known = [v for v in values if v is not None]
            cells.append(
                f"{100 * statistics.mean(known):7.2f}" if len(known) == len(values) else f"{'-':>7}"
            )
        print(f"{name:<15}" + "".join(cells))

    randoms = [final_best(r) for r in by_method.get("random", [])]
    target = statistics.mean(v for v in randoms if v is not None) if any(randoms) else None
    random_test = [r["test_acc"] for r in by_method.get("random", []) if r["test_acc"]]
    print(
        f"\nrandom search's final: {'-' if target is None else f'{100 * target:.2f}%'}"
        f" (mean over {len(randoms)} seeds)"
    )
    print(
        f"{'method':<15} {'seeds':>5} {'time to random final':>21} {'final val %':>12}"
        f" {'test %':>14} {'epochs':>7} {'trials':>7} {'full':>5} {'retrain s':>9}"
        f" {'load start -> end':>20}"
    )
    best: float | None = None
    for name, rows in by_method.items():
        reach = "-"
        if target is not None:
            times = [time_to(r, target) for r in rows]
            never = sum(t is None for t in times)
            fraction = statistics.mean(budget if t is None else t for t in times) / budget
            reach = f"{fraction:.3f}" + (f" ({never} never)" if never else "")
            if name != "random":
                best = fraction if best is None else min(best, fraction)
        finals = [final_best(r) for r in rows]
        final = (
            f"{100 * statistics.mean(v for v in finals if v is not None):.2f}"
            if any(v is not None for v in finals)
            else "-"
        )
        tests = [r["test_acc"] for r in rows if r["test_acc"] is not None]
        test = "-"
        if tests:
            test = f"{100 * statistics.mean(tests):.2f}"
            if random_test and name != "random":
                test += f" ({100 * (statistics.mean(tests) - statistics.mean(random_test)):+.2f})"
        loads = (
            f"{statistics.mean(r['loadavg_start'][0] for r in rows):.1f} -> "
            f"{statistics.mean(r['loadavg_end'][0] for r in rows):.1f}"
        )
        print(
            f"{name:<15} {len(rows):>5} {reach:>21} {final:>12} {test:>14}"
            f" {statistics.mean(r['epochs_trained'] for r in rows):7.0f}"
            f" {statistics.mean(len(r['trials']) for r in rows):7.1f}"
            f" {statistics.mean(len(full_fidelity(r)) for r in rows):5.1f}"
            f" {statistics.mean(r['retrain_seconds'] for r in rows):9.0f} {loads:>20}"
        )
    if "curve" in by_method and "random" in by_method:
        print_curve_saving(by_method["random"], by_method["curve"])
    return best


def finished_trials(record: dict[str, Any]) -> dict[int, dict[str, Any]]:
    """The trials that completed or that their scheduler stopped (not the clock), by number."""
    return {
        r["number"]: r
        for r in record["trials"]
        if r["state"] in ("COMPLETE", "PRUNED") and not (r["reason"] or "").startswith(CLOCK_STOP)
    }


def print_curve_saving(randoms: list[dict[str, Any]], curves: list[dict[str, Any]]) -> None:
    """Epochs and final accuracy of curve extrapolation against random search over the same
    proposals: trial numbers both searches finished, seed by seed."""
    print("\ncurve extrapolation vs random search on the same proposals (trials both finished):")
    for curve in curves:
        random = next((r for r in randoms if r["seed"] == curve["seed"]), None)
        if random is None:
            continue
        ran, cut = finished_trials(random), finished_trials(curve)
        common = sorted(set(ran) & set(cut))
        if not common:
            continue
        same = sum(ran[n]["candidate"] == cut[n]["candidate"] for n in common)
        epochs_random = sum(len(ran[n]["curve"]) for n in common)
        epochs_curve = sum(len(cut[n]["curve"]) for n in common)

        def best(rows: dict[int, dict[str, Any]], epochs: int, common: list[int]) -> float:
            full = [
                rows[n]["curve"][epochs - 1]
                for n in common
                if rows[n]["state"] == "COMPLETE" and len(rows[n]["curve"]) >= epochs
            ]
            return max(full, default=0.0)

        best_random, best_curve = (
            best(ran, random["epochs"], common),
            best(cut, curve["epochs"], common),
        )
        print(
            f"  seed {curve['seed']}: {len(common)} trials numbered 0-{common[-1]} (the same "
            f"candidate in {same}); epochs {epochs_curve} vs {epochs_random} "
            f"({100 * (1 - epochs_curve / epochs_random):.0f}% saved); best full-fidelity "
            f"val {100 * best_curve:.2f}% vs {100 * best_random:.2f}% "
            f"({100 * (best_curve - best_random):+.2f} points)"
        )


# ---------------------------------------------------------------------------------------------
# recorded curves for the scheduler tests


# small networks, no augmentation, a fixed batch size: curves that differ by candidate
RECORD_SPACE = chain(9, min_layers=2, max_layers=4, ops=["conv", "maxpool"], widths=[16, 32])
RECORD_SPACE.update(activations=["relu", "gelu"], dropouts=[0.0])
RECORD_SPACE["training"] = {
    **RECORD_SPACE["training"],
    "lr": {"low": 0.0005, "high": 0.02, "log": True},
    "batch_size": 128,
    "weight_decay": 0.0005,
    "augment": 0.0,
}
RECORD_CANDIDATES = 12


def record_curves(path: Path) -> None:
    """Train RECORD_CANDIDATES small random candidates 9 epochs each on MNIST-1D (one worker,
    FIFO, seed 0) and write their per-epoch validation accuracies to ``path``."""
    from netsynth import create_experiment
    from netsynth.estimation.training import DataConfig, FinalConfig, TrainingEstimator
    from netsynth.space.architecture_space import make_architecture_space

    with tempfile.TemporaryDirectory(prefix="netsynth-curves-") as folder:
        estimator = TrainingEstimator(
            make_architecture_space(RECORD_SPACE),
            DataConfig("mnist1d", val_fraction=0.2, seed=DATA_SEED),
            FinalConfig(top_k=1, epochs=1, export_dir=str(Path(folder) / "models")),
            device="cpu",
            threads=1,
        )
        experiment = create_experiment(
            "curves", architecture=RECORD_SPACE, metric="val_acc", direction="maximize", seed=0
        )
        experiment.run(estimator, max_trials=RECORD_CANDIDATES, workers=1, progress=False)
        trials = sorted(experiment.trials(), key=lambda t: t.number)
    data = {
        "source": "python benchmarks/multifidelity_real.py --record-curves PATH: random search"
        f" (seed 0) over a small chain space, MNIST-1D, {RECORD_CANDIDATES} candidates trained"
        " 9 epochs each; val_acc after every epoch",
        "metric": "val_acc",
        "curves": [
            {
                "architecture": t.attrs.get("architecture"),
                "val_acc": [round(float(r.metrics["val_acc"]), 6) for r in t.reports],
            }
            for t in trials
        ],
    }
    path.write_text(json.dumps(data, indent=1) + "\n")
    print(f"wrote {len(trials)} curves to {path}")


# ---------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dataset", choices=(*SETUPS, "all"), default=None)
    parser.add_argument("--budget", default=None, help="wall time per search: 900, 15m, 90s")
    parser.add_argument("--seeds", type=int, default=None, help="default 1 (tables: all)")
    parser.add_argument("--methods", default=",".join(METHOD_NAMES))
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--rerun", action="store_true", help="run recorded searches again")
    parser.add_argument("--table-only", action="store_true")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--record-curves", type=Path, default=None, metavar="PATH")
    args = parser.parse_args(argv)
    if args.record_curves is not None:
        record_curves(args.record_curves)
        return 0
    names = [n.strip() for n in args.methods.split(",") if n.strip()]
    unknown = [n for n in names if n not in METHOD_NAMES]
    if unknown:
        parser.error(f"unknown methods {unknown}; known: {', '.join(METHOD_NAMES)}")
    if "random" in names:  # first: the others are judged against it
        names = ["random", *[n for n in names if n != "random"]]
    budget = parse_seconds(args.budget) if args.budget else None
    seeds, out = args.seeds, args.out or DEFAULT_OUT
    if args.quick:
        budget, seeds, out = budget or QUICK_BUDGET, 1, args.out or QUICK_OUT
    dataset_choice = args.dataset or ("mnist1d" if args.quick else "all")
    datasets = list(SETUPS) if dataset_choice == "all" else [dataset_choice]
    best: float | None = None
    if args.table_only:  # every budget in the file unless one is named; every seed
        for dataset in datasets:
            groups: dict[float, list[dict[str, Any]]] = {}
            for (d, m, s, b), record in load_records(out).items():
                if d == dataset and m in names and (seeds is None or s < seeds):
                    if budget is None or b == budget:
                        groups.setdefault(b, []).append(record)
            for group_budget, records in sorted(groups.items()):
                best = print_tables(dataset, group_budget, records)
        if args.quick:
            print_quick_line(best)
        return 0
    if "fashion-mnist" in datasets and not Path(FASHION_MNIST).is_dir():
        parser.error(f"{FASHION_MNIST} not found; install Debian's dataset-fashion-mnist")

    budget, seeds = budget or DEFAULT_BUDGET, seeds or 1
    for dataset in datasets:
        run_dataset(dataset, names, seeds, budget, args.workers, out, args.rerun)
        records = [
            r
            for (d, m, s, b), r in load_records(out).items()
            if d == dataset and b == budget and m in names and s < seeds
        ]
        best = print_tables(dataset, budget, records, spearman=False)
    if args.quick:
        print_quick_line(best)
    return 0


def print_quick_line(best: float | None) -> None:
    """The quick mode's last line: the best multi-fidelity method's time to random search's
    final, a fraction of random search's wall time ("-" without random search or others)."""
    print(f"time to random's final: {'-' if best is None else f'{best:.2f}'}")


def run_dataset(
    dataset: str, names: list[str], seeds: int, budget: float, workers: int, out: Path, rerun: bool
) -> None:
    """Run the searches of ``dataset`` not yet in ``out``, random search's seeds first."""
    source = dataset_source(dataset)
    done = set() if rerun else set(load_records(out))
    for name in names:
        for seed in range(seeds):
            if (dataset, name, seed, budget) in done:
                print(f"{dataset} {name} seed {seed}: recorded in {out}, skipped", flush=True)
                continue
            print(f"{dataset} {name} seed {seed}: searching {budget:.0f} s ...", flush=True)
            record = run_search(dataset, source, name, seed, budget, workers)
            out.parent.mkdir(parents=True, exist_ok=True)
            with out.open("a") as file:
                file.write(json.dumps(record) + "\n")
            best = final_best(record)
            test = record["test_acc"]
            print(
                f"  {len(record['trials'])} trials, {len(full_fidelity(record))} fully trained,"
                f" {record['epochs_trained']} epochs; best val "
                f"{'-' if best is None else f'{100 * best:.2f}%'}, winner test "
                f"{'-' if test is None else f'{100 * test:.2f}%'};"
                f" search {record['search_seconds']:.0f} s, retraining "
                f"{record['retrain_seconds']:.0f} s; load {record['loadavg_start'][0]:.2f} -> "
                f"{record['loadavg_end'][0]:.2f}",
                flush=True,
            )
        if name == "random":
            randoms = [load_records(out).get((dataset, "random", s, budget)) for s in range(seeds)]
            print_spearman(dataset, [r for r in randoms if r is not None])


def parse_seconds(text: str) -> float:
    """Seconds in ``90s``, ``15m``, ``1h`` or a bare number."""
    text = text.strip().lower()
    scale = {"s": 1.0, "m": 60.0, "h": 3600.0}.get(text[-1:])
    return float(text[:-1]) * scale if scale else float(text)


if __name__ == "__main__":
    sys.exit(main())
