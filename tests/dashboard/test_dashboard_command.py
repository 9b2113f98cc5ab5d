"""``netsynth dashboard``: refuses an open address without a token, and serves the link it
prints (read-only reads for anyone on loopback, writes only with the printed token)."""

from __future__ import annotations

import ast
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from netsynth import cli as netsynth_cli
from tests.conftest import cli_env, popen_cli


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def test_a_non_loopback_host_without_a_token_exits_2(
    storage_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert netsynth_cli.main(["dashboard", "--storage", storage_url, "--host", "0.0.0.0"]) == 2
    error = capsys.readouterr().err
    assert "--token" in error and "Traceback" not in error


def test_a_missing_storage_file_exits_2_without_creating_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "none.db"
    assert netsynth_cli.main(["dashboard", "--storage", f"sqlite:///{missing}"]) == 2
    assert "no netsynth storage" in capsys.readouterr().err and not missing.exists()


def test_the_printed_link_serves_the_pages_and_the_token_allows_writes(storage_url: str) -> None:
    port = _free_port()
    process = popen_cli("dashboard", "--storage", storage_url, "--port", str(port))
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert line.startswith(f"netsynth dashboard: http://127.0.0.1:{port}/?token="), line
        token = line.strip().rsplit("=", 1)[1]
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                first = httpx.get(f"{base}/api/experiments", timeout=5)
                break
            except httpx.ConnectError:
                assert time.monotonic() < deadline, "the dashboard did not start"
                time.sleep(0.2)
        assert first.status_code == 200 and any(e["name"] == "hpo" for e in first.json())
        with httpx.Client(base_url=base, timeout=10) as browser:
            link = browser.get(f"/?token={token}", follow_redirects=True)  # the cookie
            assert link.status_code == 200 and "Experiments" in link.text
            assert browser.post("/api/experiments/hpo/pick", json={"trial": 2}).status_code == 200
            assert browser.delete("/api/experiments/hpo/pick").status_code == 200
        assert httpx.post(f"{base}/api/experiments/hpo/pick", json={"trial": 2}).status_code == 401
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


def test_without_the_extra_the_command_says_what_to_install(
    storage_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("netsynth.dashboard.serve.missing_dependencies", lambda: ["fastapi"])
    assert netsynth_cli.main(["dashboard", "--storage", storage_url]) == 2
    assert 'pip install "netsynth[dashboard]"' in capsys.readouterr().err


READS_ONLY = """
import sys
from fastapi.testclient import TestClient
from netsynth.dashboard import create_app
client = TestClient(create_app(sys.argv[1]), base_url="http://127.0.0.1")
for path in ("/", "/experiments/nas-cell", "/experiments/nas-cell/trials/2",
             "/experiments/nas-cell/compare?trials=1,2", "/api/experiments/nas-cell/live",
             "/api/experiments/nas-cell/plots", "/api/experiments/hpo/trials"):
    assert client.get(path).status_code == 200, path
print(sorted(m for m in sys.modules
             if m.split(".")[0] in ("torch", "optuna", "onnx") or m.startswith("netsynth.runner")))
"""
# What only running or exporting an experiment needs; Pick imports it inside its handler.
RUNNER_SIDE = ("netsynth.runner", "netsynth.experiment", "netsynth.estimation", "torch")


def _imports(tree: ast.AST) -> list[str]:
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.append(node.module)
    return names


def test_the_dashboard_modules_do_not_import_the_runner() -> None:
    folder = Path(__file__).resolve().parents[2] / "netsynth" / "dashboard"
    for source in sorted(folder.glob("*.py")):
        tree = ast.parse(source.read_text())
        if source.name == "pick.py":  # only its module-level imports
            tree = ast.Module(body=tree.body, type_ignores=[])
            tree.body = [n for n in tree.body if isinstance(n, (ast.Import, ast.ImportFrom))]
        offending = [
            name
            for name in _imports(tree)
            if any(name == side or name.startswith(side + ".") for side in RUNNER_SIDE)
        ]
        assert offending == [], f"{source.name} imports {offending}"


def test_serving_pages_imports_no_runner_torch_or_optuna(storage_url: str) -> None:
    result = subprocess.run(
        [sys.executable, "-c", READS_ONLY, storage_url],
        capture_output=True,
        text=True,
        env=cli_env(),
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
