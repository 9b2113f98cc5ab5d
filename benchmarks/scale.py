"""Per-trial cost as the history grows: does the 100,000th trial cost what the first did?

    python benchmarks/scale.py [--trials 100000] [--strategies random,evolution]
        [--modes ask-tell,run] [--block 1000]

A trivial 2-parameter objective on SQLite (a fresh file per search), so that what is measured
is netsynth's own work per trial: proposing, storing, reading the history back. For each
strategy (random search; regularized evolution, population 20, tournament 5, whose history
grows too) and each way of driving it (``ask-tell``: ``exp.ask()`` / ``exp.tell()`` in a loop;
``run``: ``exp.run(objective, max_trials=N)``, timed per block from its progress callback), it
prints the milliseconds per trial of every block of ``--block`` trials, then times the first
block of a fresh experiment right after the long one, so that the machine's load affects both
sides of the ratio alike: the last block's ms per trial over the fresh first block's (target
<= 1.2). It also prints the storage's size per trial for trials with 2 parameters and 10
intermediate reports.
"""

from __future__ import annotations

import argparse
import itertools
import os
import platform
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import netsynth
from netsynth.search_progress import SearchProgress

STRATEGIES: dict[str, dict[str, object]] = {
    "random": {"name": "random"},
    "evolution": {"name": "evolution", "population": 20, "sample_size": 5},
}
TARGET = 1.2


def objective(trial: netsynth.Trial) -> float:
    x = trial.suggest_float("x", -10, 10)
    y = trial.suggest_float("y", -10, 10)
    return x * x + y * y


def reporting_objective(trial: netsynth.Trial) -> float:
    value = objective(trial)
    for step in range(1, 11):
        trial.report(step, value=value / step)
    return value


def new_experiment(folder: Path, name: str, strategy: str) -> netsynth.Experiment:
    return netsynth.create_experiment(
        name, storage=f"sqlite:///{folder / (name + '.db')}", strategy=STRATEGIES[strategy], seed=0
    )


def ask_tell_blocks(experiment: netsynth.Experiment, trials: int, block: int) -> list[float]:
    """Seconds per block of ``block`` trials, driving the experiment with ask and tell."""
    out = []
    for _ in range(trials // block):
        start = time.perf_counter()
        for _ in range(block):
            trial = experiment.ask()
            experiment.tell(trial, objective(trial))
        out.append(time.perf_counter() - start)
    return out


def run_blocks(experiment: netsynth.Experiment, trials: int, block: int) -> list[float]:
    """Seconds per block of ``block`` trials within one ``experiment.run``."""
    marks: list[float] = []

    def progress(state: SearchProgress) -> None:
        if state.done >= (len(marks)) * block:
            marks.append(time.perf_counter())

    marks.append(time.perf_counter())
    experiment.run(objective, max_trials=trials, progress=progress)
    marks.append(time.perf_counter())
    # the first mark is the start; one mark each time ``done`` passed a multiple of ``block``
    return [b - a for a, b in itertools.pairwise(marks)][: trials // block]


MODES: dict[str, Callable[[netsynth.Experiment, int, int], list[float]]] = {
    "ask-tell": ask_tell_blocks,
    "run": run_blocks,
}


def bytes_per_trial(folder: Path, trials: int = 1000) -> float:
    """The SQLite file's growth per trial with 2 parameters and 10 reports."""
    experiment = new_experiment(folder, "size", "random")
    empty = (folder / "size.db").stat().st_size
    experiment.run(reporting_objective, max_trials=trials, progress=False)
    wal = folder / "size.db-wal"
    size = (folder / "size.db").stat().st_size + (wal.stat().st_size if wal.exists() else 0)
    return (size - empty) / trials


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--trials", type=int, default=100_000)
    parser.add_argument("--block", type=int, default=1000)
    parser.add_argument("--strategies", default="random,evolution")
    parser.add_argument("--modes", default="ask-tell,run")
    args = parser.parse_args()
    strategies = [s for s in args.strategies.split(",") if s]
    modes = [m for m in args.modes.split(",") if m]
    unknown = [s for s in strategies if s not in STRATEGIES] + [m for m in modes if m not in MODES]
    if unknown or args.trials < 2 * args.block:
        parser.error(
            f"unknown {unknown}; strategies {list(STRATEGIES)}, modes {list(MODES)}, "
            "and --trials at least twice --block"
        )
    print(
        f"machine: {platform.platform()}, {os.cpu_count()} CPUs, Python "
        f"{platform.python_version()}, netsynth {netsynth.__version__}; load average "
        f"{'/'.join(f'{x:.2f}' for x in os.getloadavg())}"
    )
    print(
        f"{args.trials} trials per search on SQLite, 2-parameter objective, blocks of {args.block}"
    )
    rows = []
    with tempfile.TemporaryDirectory(prefix="netsynth-scale-") as tmp:
        folder = Path(tmp)
        for strategy in strategies:
            for mode in modes:
                name = f"{strategy}-{mode}"
                started = time.perf_counter()
                blocks = MODES[mode](
                    new_experiment(folder, name, strategy), args.trials, args.block
                )
                fresh = MODES[mode](
                    new_experiment(folder, name + "-fresh", strategy), args.block, args.block
                )
                per = [seconds / args.block * 1000 for seconds in blocks]
                first_fresh = fresh[0] / args.block * 1000
                ratio = per[-1] / first_fresh
                print(f"\n{strategy}, {mode}: ms per trial of each block of {args.block}")
                print(" ".join(f"{ms:.2f}" for ms in per))
                print(
                    f"first block {per[0]:.3f} ms, last {per[-1]:.3f} ms, median "
                    f"{statistics.median(per):.3f} ms; a fresh experiment's first block right "
                    f"after: {first_fresh:.3f} ms; last / fresh first = {ratio:.2f} "
                    f"(target <= {TARGET}: {'met' if ratio <= TARGET else 'MISSED'}); "
                    f"{time.perf_counter() - started:.0f} s"
                )
                rows.append((strategy, mode, per[0], per[-1], first_fresh, ratio))
        size = bytes_per_trial(folder)
    print(
        "\n| strategy | driven by | first block ms/trial | last block ms/trial "
        "| fresh first block | last / fresh |"
    )
    print("| --- | --- | --- | --- | --- | --- |")
    for strategy, mode, first, last, fresh_first, ratio in rows:
        print(
            f"| {strategy} | {mode} | {first:.3f} | {last:.3f} | {fresh_first:.3f} | {ratio:.2f} |"
        )
    print(f"\nstorage: {size:.0f} bytes per trial on SQLite (2 parameters, 10 reports)")


if __name__ == "__main__":
    main()
