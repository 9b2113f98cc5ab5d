"""Per-trial orchestration overhead: netsynth vs Optuna, in one process and one run.

1000 trials (``--trials``) of a trivial 2-parameter objective with random search:
netsynth on SQLite vs Optuna's RDBStorage on SQLite, and netsynth in memory vs Optuna in
memory. Prints ms per trial and the ratios. Targets (issue: core): netsynth on durable SQLite
at least 10x faster than Optuna on SQLite; netsynth in memory no slower than Optuna in memory.

    python benchmarks/overhead.py [--trials 1000] [--repeats 3]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import netsynth


def netsynth_objective(trial: netsynth.Trial) -> float:
    x = trial.suggest_float("x", -10, 10)
    y = trial.suggest_float("y", -10, 10)
    return x * x + y * y


def optuna_objective(trial: Any) -> float:
    x = trial.suggest_float("x", -10, 10)
    y = trial.suggest_float("y", -10, 10)
    return x * x + y * y


def time_netsynth(storage: str | None, trials: int) -> float:
    exp = netsynth.create_experiment(storage=storage, seed=0)
    start = time.perf_counter()
    exp.run(netsynth_objective, max_trials=trials, progress=False)
    elapsed = time.perf_counter() - start
    assert len(exp.trials()) == trials
    return elapsed / trials * 1000


def time_optuna(storage: str | None, trials: int) -> float:
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(storage=storage, sampler=optuna.samplers.RandomSampler(seed=0))
    start = time.perf_counter()
    study.optimize(optuna_objective, n_trials=trials)
    elapsed = time.perf_counter() - start
    assert len(study.trials) == trials
    return elapsed / trials * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=3, help="median of this many runs")
    args = parser.parse_args()
    import optuna

    results: dict[str, list[float]] = {k: [] for k in ("ns_sql", "op_sql", "ns_mem", "op_mem")}
    for repeat in range(args.repeats):
        with tempfile.TemporaryDirectory() as tmp:
            ns_url = f"sqlite:///{Path(tmp) / 'netsynth.db'}"
            op_url = f"sqlite:///{Path(tmp) / 'optuna.db'}"
            # Alternate the order so that neither side always runs on a warmer machine.
            runs = [
                ("ns_sql", time_netsynth, ns_url),
                ("op_sql", time_optuna, op_url),
                ("ns_mem", time_netsynth, None),
                ("op_mem", time_optuna, None),
            ]
            for key, timer, url in runs if repeat % 2 == 0 else runs[::-1]:
                results[key].append(timer(url, args.trials))
    med = {k: statistics.median(v) for k, v in results.items()}
    machine = f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}"
    print(f"machine: {machine}")
    print(
        f"netsynth {netsynth.__version__}, optuna {optuna.__version__}; {args.trials} trials, "
        f"median of {args.repeats} runs, random search, 2-parameter objective"
    )
    print(f"{'setting':<28}{'ms/trial':>10}")
    print(f"{'netsynth, SQLite (WAL)':<28}{med['ns_sql']:>10.3f}")
    print(f"{'Optuna RDBStorage, SQLite':<28}{med['op_sql']:>10.3f}")
    print(f"{'netsynth, in memory':<28}{med['ns_mem']:>10.3f}")
    print(f"{'Optuna, in memory':<28}{med['op_mem']:>10.3f}")
    sql_ratio = med["op_sql"] / med["ns_sql"]
    mem_ratio = med["op_mem"] / med["ns_mem"]
    print(
        f"SQLite:    netsynth is {sql_ratio:.1f}x faster than Optuna (target >= 10x): "
        f"{'MET' if sql_ratio >= 10 else 'MISSED'}"
    )
    print(
        f"in memory: netsynth is {mem_ratio:.2f}x Optuna's speed (target >= 1x): "
        f"{'MET' if mem_ratio >= 1 else 'MISSED'}"
    )


if __name__ == "__main__":
    main()
