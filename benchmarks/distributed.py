"""netsynth's Ray executor against Ray Tune on trivial trials, and trials per second on
SQLite and PostgreSQL with 1 and 2 workers.

1. One local Ray with ``--cpus`` CPUs (default 2) serves both sides, started before any clock.
2. Ray Tune: ``--trials`` trials of a function trainable returning ``x``, ``x ~ U(0, 1)``,
   at most ``--cpus`` at once, 1 CPU each; its own results folder in a temporary directory.
3. netsynth: the same space and objective, ``executor="ray"``, ``--cpus`` workers, storage
   SQLite in a temporary folder.
   Both measure wall time of the whole search divided by the trials: for a trial that does
   nothing, that is the per-trial overhead of the system.
4. Trials per second with the Ray executor, 1 and 2 workers, on SQLite and (with
   ``--postgres URL``, an empty database) PostgreSQL.

Target (issue 10): netsynth <= 1/10 of Ray Tune's per-trial overhead.

    python benchmarks/distributed.py [--trials 200] [--cpus 2] [--postgres postgresql://...]
"""

from __future__ import annotations

import argparse
import os
import platform
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any


def objective(trial: Any) -> float:
    return float(trial.suggest_float("x", 0.0, 1.0))


def tune_trainable(config: dict[str, float]) -> dict[str, float]:
    return {"loss": config["x"]}


def time_ray_tune(trials: int, cpus: int, folder: Path) -> float:
    from ray import tune

    tuner = tune.Tuner(
        tune.with_resources(tune_trainable, {"cpu": 1}),
        param_space={"x": tune.uniform(0.0, 1.0)},
        tune_config=tune.TuneConfig(
            metric="loss", mode="min", num_samples=trials, max_concurrent_trials=cpus
        ),
        run_config=tune.RunConfig(storage_path=str(folder), name="tune", verbose=0),
    )
    start = time.perf_counter()
    results = tuner.fit()
    elapsed = time.perf_counter() - start
    assert len(results) == trials, f"Ray Tune ran {len(results)} trials, not {trials}"
    return elapsed


def time_netsynth(trials: int, workers: int, storage: str) -> float:
    import netsynth

    exp = netsynth.create_experiment(f"bench-{uuid.uuid4().hex[:8]}", storage=storage, seed=0)
    start = time.perf_counter()
    exp.run(objective, max_trials=trials, workers=workers, executor="ray", progress=False)
    elapsed = time.perf_counter() - start
    done = exp.trials(states=[netsynth.TrialState.COMPLETE])
    assert len(done) == trials, f"netsynth completed {len(done)} trials, not {trials}"
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=200)
    parser.add_argument("--cpus", type=int, default=2)
    parser.add_argument("--postgres", help="an empty PostgreSQL database for the throughput rows")
    args = parser.parse_args()

    import ray

    os.environ.setdefault("RAY_AIR_NEW_OUTPUT", "0")
    ray.init(num_cpus=args.cpus, include_dashboard=False, object_store_memory=200 * 2**20)
    machine = platform.processor() or platform.machine()
    print(f"# {machine}, {os.cpu_count()} cores, Ray {ray.__version__}")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        tune_s = time_ray_tune(args.trials, args.cpus, folder)
        ours_s = time_netsynth(args.trials, args.cpus, f"sqlite:///{folder / 'bench.db'}")
        tune_ms, ours_ms = 1000 * tune_s / args.trials, 1000 * ours_s / args.trials
        print(f"| system | {args.trials} trials (s) | ms per trial |")
        print("| --- | --- | --- |")
        print(f"| Ray Tune | {tune_s:.1f} | {tune_ms:.1f} |")
        print(f"| netsynth, Ray executor | {ours_s:.1f} | {ours_ms:.1f} |")
        print(f"ratio netsynth / Ray Tune: {ours_ms / tune_ms:.3f} (target <= 0.1)")
        print()
        print("| storage | workers | trials/s |")
        print("| --- | --- | --- |")
        storages = {"SQLite": lambda: f"sqlite:///{folder / uuid.uuid4().hex}.db"}
        if args.postgres:
            storages["PostgreSQL"] = lambda: str(args.postgres)
        for name, url in storages.items():
            for workers in (1, 2):
                seconds = time_netsynth(args.trials, workers, url())
                print(f"| {name} | {workers} | {args.trials / seconds:.0f} |")
    ray.shutdown()


if __name__ == "__main__":
    main()
