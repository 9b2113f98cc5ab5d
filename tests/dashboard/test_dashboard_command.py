"""``netsynth dashboard``: refuses an open address without a token, and serves the link it
prints (read-only reads for anyone on loopback, writes only with the printed token)."""

from __future__ import annotations

import socket
import subprocess
import time
from pathlib import Path

import httpx

from tests.conftest import cli, popen_cli


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def test_a_non_loopback_host_without_a_token_exits_2(storage_url: str) -> None:
    result = cli("dashboard", "--storage", storage_url, "--host", "0.0.0.0")
    assert result.returncode == 2
    assert "--token" in result.stderr and "Traceback" not in result.stderr


def test_a_missing_storage_file_exits_2_without_creating_it(tmp_path: Path) -> None:
    result = cli("dashboard", "--storage", f"sqlite:///{tmp_path}/none.db")
    assert result.returncode == 2 and "no netsynth storage" in result.stderr


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
