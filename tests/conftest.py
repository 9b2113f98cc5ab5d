"""Shared helpers: run the CLI in a subprocess, storage URLs in a temporary folder."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "examples"


@pytest.fixture
def one_torch_thread() -> Iterator[None]:
    """Run a test with torch on one thread, then restore the setting."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


POSTGRES_URL = os.environ.get("NETSYNTH_TEST_POSTGRES_URL")
needs_postgres = pytest.mark.skipif(
    POSTGRES_URL is None, reason="set NETSYNTH_TEST_POSTGRES_URL to a server"
)


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh database on the server that ``.ci/run`` starts, dropped afterwards."""
    from sqlalchemy import create_engine, text

    assert POSTGRES_URL is not None
    admin = create_engine(
        POSTGRES_URL.replace("postgresql://", "postgresql+psycopg://", 1),
        isolation_level="AUTOCOMMIT",
    )
    name = f"netsynth_{uuid.uuid4().hex[:12]}"
    with admin.connect() as conn:
        conn.execute(text(f"CREATE DATABASE {name}"))
    yield POSTGRES_URL.rsplit("/", 1)[0] + f"/{name}"
    with admin.connect() as conn:
        conn.execute(text(f"DROP DATABASE {name} WITH (FORCE)"))
    admin.dispose()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'netsynth.db'}"


def cli_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), env.get("PYTHONPATH", "")])
    env.pop("NETSYNTH_STORAGE", None)
    return env


def cli(
    *args: str, cwd: Path | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """Run ``netsynth ARGS`` in a fresh interpreter and capture its output."""
    return subprocess.run(
        [sys.executable, "-m", "netsynth.cli", *args],
        cwd=cwd,
        env=cli_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def popen_cli(*args: str, cwd: Path | None = None) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "netsynth.cli", *args],
        cwd=cwd,
        env=cli_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def show_document(name: str, storage: str) -> dict[str, Any]:
    """``netsynth show NAME --format json``, every trial, parsed as strict JSON (NaN or
    Infinity in the output fails the test)."""
    result = cli("show", name, "--storage", storage, "--format", "json", "--top", "100000")
    assert result.returncode == 0, result.stderr
    document: dict[str, Any] = json.loads(result.stdout, parse_constant=reject_constant)
    return document


def reject_constant(name: str) -> Any:
    """``json.loads(..., parse_constant=reject_constant)``: refuse NaN and ±Infinity."""
    raise ValueError(f"not strict JSON: {name}")


def show_schema() -> dict[str, Any]:
    """The JSON Schema of ``netsynth show --format json``, as the package ships it."""
    from importlib import resources

    text = (resources.files("netsynth") / "display" / "show_schema.json").read_text()
    schema: dict[str, Any] = json.loads(text)
    return schema


def show_json(name: str, storage: str) -> list[dict[str, Any]]:
    """The trial rows of ``netsynth show NAME --format json``."""
    rows: list[dict[str, Any]] = show_document(name, storage)["trials"]
    return rows


def write_spec(folder: Path, text: str, objective: str | None = None) -> Path:
    """Write ``spec.yaml`` (and ``objective.py`` when given) into ``folder``."""
    if objective is not None:
        (folder / "objective.py").write_text(objective)
    path = folder / "spec.yaml"
    path.write_text(text)
    return path
