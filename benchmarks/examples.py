"""Run the example specs end to end and print what each one gives: the figures the docs quote.

    python benchmarks/examples.py [--example darts-mnist1d ...] [--threads N]
    python benchmarks/publish.py examples --markdown -- python benchmarks/examples.py

Each example runs as a user runs it, ``netsynth run examples/NAME.yaml`` (``netsynth run`` with
no spec for ``quickstart``), in a fresh temporary storage and folder, timed from launch to exit.
Its result is read back with ``netsynth show NAME --format json``: the exported winner's test
accuracy, parameters and retraining epochs, the trial count and the end state. One Markdown
row per example; published through ``benchmarks/publish.py``, the table is what the docs
quote. The examples are seeded, but a run's figures still depend on the machine's thread count
(summation order in the kernels), so the table names the machine it came from.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
NETSYNTH = (sys.executable, "-m", "netsynth")
# The examples whose results the docs state, cheapest first.
DEFAULT_EXAMPLES = (
    "quickstart",
    "darts-mnist1d",
    "sequential-digits",
    "union-digits",
    "zoo-mnist1d",
    "darts-cells-mnist1d",
    "mnist1d",
    "cell-mnist1d",
)


def run_example(name: str, threads: int | None) -> dict[str, Any]:
    """Run one example in a fresh folder and storage; its figures, or its failure."""
    with tempfile.TemporaryDirectory(prefix=f"example-{name}-") as folder:
        storage = f"sqlite:///{Path(folder) / 'netsynth.db'}"
        command = [*NETSYNTH, "run", "--storage", storage, "--no-progress"]
        if name != "quickstart":
            command.insert(4, str(EXAMPLES / f"{name}.yaml"))
        environment = dict(os.environ)
        if threads is not None:
            environment["NETSYNTH_THREADS"] = str(threads)
        start = time.perf_counter()
        finished = subprocess.run(
            command, cwd=folder, env=environment, capture_output=True, text=True
        )
        seconds = time.perf_counter() - start
        row: dict[str, Any] = {"example": name, "seconds": seconds, "exit": finished.returncode}
        if finished.returncode != 0:
            row["error"] = (finished.stderr.strip().splitlines() or ["(no output)"])[-1]
            return row
        name = _experiment_name(storage)
        shown = subprocess.run(
            [*NETSYNTH, "show", "--storage", storage, "--format", "json", name],
            cwd=folder,
            capture_output=True,
            text=True,
            check=True,
        )
        report = json.loads(shown.stdout)
        row.update(state=report["experiment"]["state"], trials=report["experiment"]["trials_total"])
        winner = next((m for m in report["final_models"] if m["winner"]), None)
        if winner is not None:
            row.update(
                test_acc=winner["test_acc"],
                params=winner["param_count"],
                epochs=winner["epochs"],
                architecture=winner["architecture"],
            )
        return row


def _experiment_name(storage: str) -> str:
    listed = subprocess.run(
        [*NETSYNTH, "ls", "--storage", storage, "--format", "json"],
        capture_output=True,
        text=True,
        check=True,
    )
    names = [entry["name"] for entry in json.loads(listed.stdout)]
    if len(names) != 1:
        raise RuntimeError(f"expected one experiment in {storage}, found {names}")
    return names[0]


def markdown_row(row: dict[str, Any]) -> str:
    command = "netsynth run"
    if row["example"] != "quickstart":
        command += f" examples/{row['example']}.yaml"
    wall = f"{row['seconds']:.0f} s"
    if "error" in row:
        return f"| `{command}` | failed (exit {row['exit']}): {row['error']} | | | | {wall} |"
    accuracy = "—" if row.get("test_acc") is None else f"{100 * row['test_acc']:.1f}%"
    params = "—" if row.get("params") is None else f"{int(row['params']):,}"
    return (
        f"| `{command}` | {accuracy} | {params} | {row.get('epochs', '—')} | "
        f"{row['trials']} | {wall} |"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--example",
        action="append",
        choices=DEFAULT_EXAMPLES,
        help="an example to run (repeat for several; default: all of them)",
    )
    parser.add_argument("--threads", type=int, help="NETSYNTH_THREADS for the runs")
    options = parser.parse_args(argv)
    names = options.example or list(DEFAULT_EXAMPLES)
    print(
        "| command | winner's test accuracy | parameters | retraining epochs | trials | wall time |"
    )
    print("| --- | --- | --- | --- | --- | --- |")
    failed = False
    for name in names:
        row = run_example(name, options.threads)
        failed = failed or "error" in row
        print(markdown_row(row), flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
