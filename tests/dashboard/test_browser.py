"""The dashboard in a real browser: Playwright drives Debian's Chromium (never a downloaded
browser) against `netsynth dashboard` on localhost. Open the experiments, open one, watch a
running trial's curve grow, open a model, compare two, pick one with the token and find its
export on disk. Screenshots go to test-artifacts/dashboard/."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import REPO, cli, cli_env, write_spec

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = REPO / "test-artifacts" / "dashboard"
TOKEN = "browser-test-token"
if not Path(CHROMIUM).exists():
    if os.environ.get("CI"):
        raise RuntimeError("CI must install Debian's chromium for the browser tests (.ci/run)")
    pytest.skip(
        "Debian's chromium is not installed (apt-get install chromium)", allow_module_level=True
    )
playwright = pytest.importorskip("playwright.sync_api")

NAS_SPEC = """
name: nas
data: {dataset: digits}
space:
  type: chain
  min_layers: 1
  max_layers: 3
  ops: [conv, maxpool, dense]
  widths: [8, 16]
  kernels: [3]
  norms: [batch]
  dropouts: [0.0]
  training: {optimizer: adamw, lr: 0.01, batch_size: 128, weight_decay: 0.0005, epochs: 2,
             augment: 0.0}
budget: {max_trials: 4}
final: {top_k: 1, epochs: 1}
execution: {executor: inline}
seed: 0
"""

LIVE_WRITER = """
import sys, time
import netsynth

def objective(trial):
    x = trial.suggest_float("x", 0.0, 1.0)
    for step in range(1, 200):
        trial.report(step, acc=1.0 - 1.0 / (step + x))
        time.sleep(0.25)
    return 1.0

netsynth.create_experiment("live", storage=sys.argv[1], direction="maximize", metric="acc",
                           seed=0).run(objective, max_trials=1, progress=False)
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def get_json(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=5) as response:
        return json.loads(response.read())


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    folder = tmp_path_factory.mktemp("browser")
    storage = f"sqlite:///{folder / 'dash.db'}"
    result = cli("run", str(write_spec(folder, NAS_SPEC)), "--storage", storage, cwd=folder)
    assert result.returncode == 0, result.stderr
    port = free_port()
    out = folder / "picked"
    server = subprocess.Popen(
        [sys.executable, "-m", "netsynth.cli", "dashboard", "--storage", storage,
         "--port", str(port), "--token", TOKEN, "--out", str(out)],
        cwd=folder, env=cli_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            get_json(f"{base}/api/experiments")
            break
        except OSError:
            assert server.poll() is None, server.communicate()[1]
            assert time.monotonic() < deadline, "the dashboard did not start"
            time.sleep(0.2)
    yield {"base": base, "storage": storage, "out": out, "folder": folder}
    server.terminate()
    server.wait(timeout=10)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with playwright.sync_playwright() as p:
        launched = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",  # CI runs as root
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",  # the machine's network is closed
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    errors: list[str] = []
    opened = context.new_page()
    opened.on("pageerror", lambda error: errors.append(str(error)))
    yield opened
    context.close()
    assert errors == [], f"JavaScript errors on the page: {errors}"


def shot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def test_browse_compare_and_pick(world: dict[str, Any], page: Any) -> None:
    base = world["base"]
    page.goto(f"{base}/?token={TOKEN}")  # the link the command prints: the token becomes a cookie
    assert "token=" not in page.url
    page.get_by_role("link", name="nas", exact=True).click()
    page.wait_for_selector("#trial-table tbody tr")
    assert page.locator("#trial-table tbody tr").count() == 4
    assert page.locator("#trial-table td.thumb svg").count() == 4  # a small diagram per model
    page.locator("#plots").scroll_into_view_if_needed()  # plots are drawn when seen
    page.wait_for_selector("#plots .js-plotly-plot")  # plotly.js, served by the dashboard
    shot(page, "experiment")

    # Compare two models side by side.
    boxes = page.locator('#trial-table input[type="checkbox"]')
    boxes.nth(0).check()
    boxes.nth(1).check()
    page.locator("#compare-form button[type=submit]").click()
    page.wait_for_url("**/compare**")
    assert page.locator("svg.arch").count() == 2
    shot(page, "compare")

    # A model's page, then pick it (the cookie carries the token) and find the export on disk.
    winner = get_json(f"{base}/api/experiments/nas")["winner"]
    page.goto(f"{base}/experiments/nas/trials/{winner}")
    assert page.locator("svg.arch").count() == 1
    page.locator("#pick-form button[type=submit]").click()
    page.wait_for_function(
        "document.getElementById('pick-result').textContent.includes('exported')", timeout=60_000
    )
    shot(page, "picked")
    assert (world["out"] / "nas" / f"trial-{winner}" / "model.onnx").is_file()
    assert get_json(f"{base}/api/experiments/nas")["picked"]["trial"] == winner


def test_a_running_trials_curve_grows_without_a_reload(world: dict[str, Any], page: Any) -> None:
    base = world["base"]
    writer = subprocess.Popen(
        [sys.executable, "-c", LIVE_WRITER, world["storage"]],
        cwd=world["folder"], env=cli_env(),
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while not any(e["name"] == "live" for e in get_json(f"{base}/api/experiments")):
            assert time.monotonic() < deadline and writer.poll() is None
            time.sleep(0.2)
        page.goto(f"{base}/experiments/live")
        page.wait_for_selector("#live-curves.js-plotly-plot", timeout=30_000)
        points = "document.getElementById('live-curves').data[0].x.length"
        first = page.evaluate(points)
        page.wait_for_function(f"{points} >= {first + 4}", timeout=30_000)
        shot(page, "live")
        assert page.url.endswith("/experiments/live")  # no navigation happened
    finally:
        writer.kill()
        writer.wait()
