"""The dashboard with 10,000 trials: server time of its pages and API, time to first render in
headless Chromium, and what a live experiment writing to the same SQLite file sees.

1. Writes an experiment of 10,000 finished chain-space trials, each with a 12-step learning
   curve, into a SQLite file (``netsynth.testing.big_experiment``).
2. Starts a *live* experiment on the same file in another process: trials that report every
   20 ms, for the whole benchmark; counts its failed trials and any storage error it prints.
3. Serves ``netsynth dashboard`` on loopback and times each path (the first request, which
   reads the storage, then the median of ``--repeats``), measured by the client over loopback,
   so an upper bound on the server's time.
4. Opens the experiment page in Debian's Chromium (Playwright) and times it until the trial
   table is drawn and until the plots are.

Targets (issue: dashboard): <= 300 ms server time, <= 2 s to render, zero writer errors.

    python benchmarks/dashboard.py [--trials 10000] [--repeats 15]
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from netsynth.testing.big_experiment import write_big_experiment

PATHS = (
    "/",
    "/experiments/big",
    "/experiments/big?sort=param_count&order=desc&state=PRUNED",
    "/api/experiments/big/trials",
    "/api/experiments/big/trials?sort=param.lr&q=conv&page=7",
    "/fragments/experiments/big/trials?sort=value&page=20",
    "/api/experiments/big/plots",
    "/api/experiments/big/trials/1234",
    "/experiments/big/trials/1234",
)

LIVE_WRITER = """
import sys, time
import netsynth

def objective(trial):
    x = trial.suggest_float("x", 0.0, 1.0)
    for step in range(1, 26):
        trial.report(step, acc=x * step / 25)
        time.sleep(0.02)
    return x

netsynth.create_experiment("live", storage=sys.argv[1], direction="maximize", metric="acc",
                           seed=0).run(objective, max_trials=100000, progress=False)
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def fetch_ms(url: str) -> float:
    started = time.perf_counter()
    with urllib.request.urlopen(url, timeout=60) as response:
        response.read()
        assert response.status == 200, url
    return (time.perf_counter() - started) * 1000


def render_times(url: str) -> tuple[float, float]:
    """Milliseconds from navigation until the trial table is drawn, and from scrolling to the
    plots until the first is drawn (plots are drawn when they come into view)."""
    from playwright.sync_api import sync_playwright

    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=chromium,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(url)  # warm: the browser caches plotly.js as a user's would after a visit
        started = time.perf_counter()
        page.goto(url, wait_until="commit")
        page.wait_for_selector("#trial-table tbody tr")
        table = (time.perf_counter() - started) * 1000
        page.wait_for_function("document.querySelectorAll('#plots [data-plot]').length > 0")
        started = time.perf_counter()
        page.locator("#plots").scroll_into_view_if_needed()  # plots are drawn when seen
        page.wait_for_selector("#plots .js-plotly-plot")
        plots = (time.perf_counter() - started) * 1000
        browser.close()
    return table, plots


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--trials", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=15)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="netsynth-dashboard-bench-"))
    url = f"sqlite:///{folder / 'bench.db'}"
    started = time.perf_counter()
    write_big_experiment(url, count=args.trials, steps=12)
    print(
        f"# {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
        f"{args.trials} trials x 12 reports written in {time.perf_counter() - started:.1f} s"
    )
    writer_log = folder / "writer.log"
    with writer_log.open("w") as log:
        writer = subprocess.Popen(
            [sys.executable, "-c", LIVE_WRITER, url], stdout=log, stderr=subprocess.STDOUT
        )
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "netsynth.cli", "dashboard", "--storage", url,
         "--port", str(port), "--out", str(folder / "picked")],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                fetch_ms(f"{base}/api/experiments")
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise SystemExit(f"the dashboard did not start: {server.stderr}") from None
                time.sleep(0.2)
        print("\n| path | first request ms | median ms | target |")
        print("| --- | --- | --- | --- |")
        for path in PATHS:
            first = fetch_ms(base + path)
            median = statistics.median(fetch_ms(base + path) for _ in range(args.repeats))
            print(f"| `{path}` | {first:.0f} | {median:.1f} | <= 300 |")
        table, plots = render_times(f"{base}/experiments/big")
        print(f"\nChromium, experiment page: table drawn after {table:.0f} ms (target <= 2000); "
              f"first plot drawn {plots:.0f} ms after scrolling to the plots")  # fmt: skip
        live = urllib.request.urlopen(f"{base}/api/experiments/live/live", timeout=10).read()
        print(f"live experiment while the dashboard read: {live[:160]!r}...")
    finally:
        server.terminate()
        writer.terminate()
        writer.wait(timeout=30)
        server.wait(timeout=30)
    from netsynth.storage import open_storage
    from netsynth.trial_record import TrialState

    storage = open_storage(url)
    trials = storage.trials(storage.get_experiment("live").id)
    failed = [t for t in trials if t.state is TrialState.FAILED]
    # The writer is terminated mid-trial at the end: that one trial is "interrupted", not an error.
    errors = [t for t in failed if not (t.reason or "").startswith("interrupted")]
    text = writer_log.read_text()
    locked = text.count("database is locked") + text.count("OperationalError")
    print(
        f"live writer: {len(trials)} trials, {sum(len(t.reports) for t in trials)} reports "
        f"during the benchmark; failed by an error: {len(errors)}; storage errors in its "
        f"output: {locked} (target 0)"
    )
    shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
