"""netsynth at scale: per-trial cost as the history grows, many processes sharing one
experiment on PostgreSQL, and reading a 100,000-trial experiment.

    python benchmarks/scale.py [--parts history,shared,pages] [--trials 100000]
        [--strategies random,evolution] [--modes ask-tell,run] [--block 1000]
        [--postgres URL] [--processes 8,32] [--shared-trials 4000]

**history**: does the 100,000th trial cost what the first did?
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

**shared** (needs ``--postgres URL`` of a database it may write to, default
``$NETSYNTH_TEST_POSTGRES_URL``; ``source .ci/postgres.sh`` starts a throwaway server and sets
it): for each count in ``--processes``, that many ``netsynth run spec.yaml`` processes start at
once on one experiment of ``--shared-trials`` trials (random search, the same trivial
objective). Each process records which trials it evaluated. Printed: the exact trial count,
lost trials (not COMPLETE) and duplicated evaluations (a trial evaluated twice, or a number
given twice), throughput in trials/s (over the whole run, and over its middle 80% once every
process has started), and per-trial latency percentiles: from a trial's creation to its result
being stored, and the cycle of one process (one stored result to its next).

**pages**: writes a ``--trials``-trial experiment (10 reports each) into SQLite, then times
``netsynth show``, ``netsynth show --format json``, ``netsynth ls`` as a user runs them (a new
process each, interpreter start included; target <= 2 s) and the dashboard's experiment page
and its trial table API in the server, in-process without a network (the first request, which
reads the storage, and the median of 5; target <= 300 ms).
"""

from __future__ import annotations

import argparse
import itertools
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
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


SHARED_OBJECTIVE = """
import os

_calls = open(os.path.join(os.path.dirname(__file__), f"calls-{os.getpid()}.txt"), "a", buffering=1)


def objective(trial):
    _calls.write(f"{trial.number}\\n")
    return trial.params["x"] ** 2 + trial.params["y"] ** 2
"""

SHARED_SPEC = """
name: {name}
objective: {{direction: minimize}}
trial: {{function: objective.py:objective}}
parameters:
  - {{name: x, type: float, low: -10, high: 10}}
  - {{name: y, type: float, low: -10, high: 10}}
seed: 0
budget: {{max_trials: {trials}}}
"""


def percentile(values: Sequence[float], q: int) -> float:
    """The ``q``-th percentile (1..99) of ``values``."""
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def history_part(args: argparse.Namespace, folder: Path) -> None:
    strategies = [s for s in args.strategies.split(",") if s]
    modes = [m for m in args.modes.split(",") if m]
    print(
        f"\n## history: {args.trials} trials per search on SQLite, 2-parameter objective, "
        f"blocks of {args.block}"
    )
    rows = []
    for strategy in strategies:
        for mode in modes:
            name = f"{strategy}-{mode}"
            started = time.perf_counter()
            blocks = MODES[mode](new_experiment(folder, name, strategy), args.trials, args.block)
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


def shared_search(url: str, processes: int, trials: int, folder: Path) -> dict[str, float]:
    """``processes`` CLI processes on one experiment of ``trials`` trials; what they did."""
    from netsynth.storage import open_storage
    from netsynth.trial_record import TrialState

    folder.mkdir()
    (folder / "objective.py").write_text(SHARED_OBJECTIVE)
    name = f"scale-{processes}-{os.getpid()}-{time.time_ns()}"
    (folder / "spec.yaml").write_text(SHARED_SPEC.format(name=name, trials=trials))
    command = [sys.executable, "-m", "netsynth.cli", "run", "spec.yaml", "--storage", url]
    logs = [(folder / f"process-{i}.log").open("w") for i in range(processes)]
    started = time.perf_counter()
    running = [
        subprocess.Popen([*command, "--no-progress"], cwd=folder, stdout=log, stderr=log)
        for log in logs
    ]
    codes = [process.wait(timeout=1800) for process in running]
    wall = time.perf_counter() - started
    for log in logs:
        log.close()
    failed = [i for i, code in enumerate(codes) if code != 0]
    if failed:
        tail = (folder / f"process-{failed[0]}.log").read_text()[-2000:]
        raise SystemExit(f"{len(failed)} of {processes} processes failed; the first said:\n{tail}")
    storage = open_storage(url)
    stored = storage.trials(storage.get_experiment(name).id)
    storage.close()
    calls = [int(line) for path in folder.glob("calls-*.txt") for line in path.read_text().split()]
    finished = sorted(t.finished_at for t in stored if t.finished_at is not None)
    begin = min(t.created_at for t in stored)
    low, high = finished[len(finished) // 10], finished[(len(finished) * 9) // 10]
    latency = [(t.finished_at - t.created_at) * 1000 for t in stored if t.finished_at]
    cycles = []
    by_worker: dict[str | None, list[float]] = {}
    for trial in stored:
        if trial.finished_at is not None:
            by_worker.setdefault(trial.worker, []).append(trial.finished_at)
    for times in by_worker.values():
        times.sort()
        cycles += [(b - a) * 1000 for a, b in itertools.pairwise(times)]
    return {
        "stored": len(stored),
        "complete": sum(t.state is TrialState.COMPLETE for t in stored),
        "numbers": len({t.number for t in stored}),
        "calls": len(calls),
        "distinct_calls": len(set(calls)),
        "workers": len(by_worker),
        "wall": wall,
        "throughput": len(stored) / (finished[-1] - begin),
        "steady": (len(finished) * 8 // 10) / (high - low),
        "latency_p50": percentile(latency, 50),
        "latency_p99": percentile(latency, 99),
        "cycle_p50": percentile(cycles, 50),
        "cycle_p99": percentile(cycles, 99),
    }


def shared_part(args: argparse.Namespace, folder: Path) -> None:
    url = args.postgres or os.environ.get("NETSYNTH_TEST_POSTGRES_URL")
    if not url:
        print(
            "\n## shared: skipped (give --postgres URL; `source .ci/postgres.sh` starts a "
            "throwaway server and sets NETSYNTH_TEST_POSTGRES_URL)"
        )
        return
    trials = args.shared_trials
    print(
        f"\n## shared: {trials} trials of one experiment on PostgreSQL, random search, "
        "trivial objective, N `netsynth run` processes started at once"
    )
    rows = []
    for processes in [int(p) for p in args.processes.split(",") if p]:
        r = shared_search(url, processes, trials, folder / f"shared-{processes}")
        exact = r["stored"] == trials == r["complete"] == r["numbers"]
        duplicated = r["calls"] - r["distinct_calls"]
        print(
            f"{processes} processes: {r['stored']:.0f} trials stored ({r['complete']:.0f} "
            f"COMPLETE, {r['numbers']:.0f} distinct numbers; exact: {'yes' if exact else 'NO'}), "
            f"{r['calls']:.0f} evaluations ({duplicated:.0f} duplicated) by {r['workers']:.0f} "
            f"processes; {r['wall']:.1f} s in all"
        )
        rows.append((processes, r, exact, duplicated))
    print(
        "\n| processes | trials stored / asked | lost | duplicated | trials/s (all) "
        "| trials/s (middle 80%) | latency p50 / p99 ms | process cycle p50 / p99 ms |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for processes, r, _, duplicated in rows:
        print(
            f"| {processes} | {r['stored']:.0f} / {trials} | {trials - r['complete']:.0f} "
            f"| {duplicated:.0f} | {r['throughput']:.0f} | {r['steady']:.0f} "
            f"| {r['latency_p50']:.1f} / {r['latency_p99']:.1f} "
            f"| {r['cycle_p50']:.1f} / {r['cycle_p99']:.1f} |"
        )


def cli_seconds(folder: Path, *args: str) -> float:
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "netsynth.cli", *args],
        cwd=folder,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    if done.returncode != 0:
        raise SystemExit(f"netsynth {' '.join(args)} failed: {done.stderr[-2000:]}")
    return time.perf_counter() - started


def resident_mib() -> float:
    """This process's resident memory (Linux), in MiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def pages_part(args: argparse.Namespace, folder: Path) -> None:
    import warnings

    with warnings.catch_warnings():  # starlette's note about its HTTP client, not ours
        warnings.simplefilter("ignore")
        from starlette.testclient import TestClient

    from netsynth.dashboard.app import create_app
    from netsynth.testing.big_experiment import write_big_experiment

    url = f"sqlite:///{folder / 'pages.db'}"
    started = time.perf_counter()
    write_big_experiment(url, name="big", count=args.trials, steps=10)
    size = (folder / "pages.db").stat().st_size
    print(
        f"\n## pages: an experiment of {args.trials} trials x 10 reports "
        f"({size / 2**20:.0f} MiB) written in {time.perf_counter() - started:.1f} s"
    )
    print("\n| command (a new process each) | seconds, 3 runs | target |")
    print("| --- | --- | --- |")
    for command in (
        ("show", "big"),
        ("show", "big", "--format", "json"),
        ("show", "big", "--format", "csv"),
        ("ls",),
    ):
        seconds = [cli_seconds(folder, *command, "--storage", url) for _ in range(3)]
        shown = " / ".join(f"{s:.2f}" for s in seconds)
        print(f"| `netsynth {' '.join(command)}` | {shown} | <= 2 |")
    import gc

    from netsynth.storage import open_storage

    gc.collect()
    before = resident_mib()
    begin = time.perf_counter()
    storage = open_storage(url, read_only=True)
    held = storage.trials(storage.get_experiment("big").id)
    seconds = time.perf_counter() - begin
    print(
        f"\nreading all {len(held)} trials and their reports into one process: {seconds:.2f} s, "
        f"{resident_mib() - before:.0f} MiB more resident memory"
    )
    del held
    storage.close()
    client = TestClient(create_app(url, hosts=["testserver"]))
    print("\n| dashboard path (in the server) | first request ms | median of 5 ms | target |")
    print("| --- | --- | --- | --- |")
    for path in (
        "/experiments/big",
        "/api/experiments/big/trials",
        "/api/experiments/big/trials?sort=value&page=400",
        "/api/experiments/big",
        "/",
    ):
        times = []
        for _ in range(6):
            begin = time.perf_counter()
            response = client.get(path)
            times.append((time.perf_counter() - begin) * 1000)
            if response.status_code != 200:
                raise SystemExit(f"{path}: HTTP {response.status_code}")
        print(f"| `{path}` | {times[0]:.0f} | {statistics.median(times[1:]):.1f} | <= 300 |")


PARTS = {"history": history_part, "shared": shared_part, "pages": pages_part}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--parts", default="history,shared,pages")
    parser.add_argument("--trials", type=int, default=100_000)
    parser.add_argument("--block", type=int, default=1000)
    parser.add_argument("--strategies", default="random,evolution")
    parser.add_argument("--modes", default="ask-tell,run")
    parser.add_argument("--postgres", help="a PostgreSQL URL for the shared part")
    parser.add_argument("--processes", default="8,32")
    parser.add_argument("--shared-trials", type=int, default=4000)
    args = parser.parse_args()
    parts = [p for p in args.parts.split(",") if p]
    strategies = [s for s in args.strategies.split(",") if s]
    modes = [m for m in args.modes.split(",") if m]
    unknown = (
        [p for p in parts if p not in PARTS]
        + [s for s in strategies if s not in STRATEGIES]
        + [m for m in modes if m not in MODES]
    )
    if unknown or args.trials < 2 * args.block:
        parser.error(
            f"unknown {unknown}; parts {list(PARTS)}, strategies {list(STRATEGIES)}, modes "
            f"{list(MODES)}, and --trials at least twice --block"
        )
    print(
        f"machine: {platform.platform()}, {os.cpu_count()} CPUs, Python "
        f"{platform.python_version()}, netsynth {netsynth.__version__}; load average "
        f"{'/'.join(f'{x:.2f}' for x in os.getloadavg())}"
    )
    with tempfile.TemporaryDirectory(prefix="netsynth-scale-") as tmp:
        for part in parts:
            PARTS[part](args, Path(tmp))


if __name__ == "__main__":
    main()
