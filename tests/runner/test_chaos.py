"""Chaos: SIGKILL workers and the driver at random moments of a run on SQLite (2 workers) and
on PostgreSQL (4 workers); restart the driver with ``netsynth resume``. No finished trial may
be lost or changed, no trial may be left RUNNING, and the budget must be met exactly.

Every wait is bounded by a generous deadline; nothing asserts how long anything took.
"""

from __future__ import annotations

import hashlib
import os
import random
import signal
import subprocess
import time
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from netsynth.runner.retries import RETRY_OF
from netsynth.storage import open_storage
from netsynth.storage.sql_engine import make_engine
from netsynth.storage.sql_schema import reports, trials
from netsynth.trial_record import TrialState
from tests.conftest import needs_postgres, popen_cli, write_spec

OBJECTIVE = """
import time
def objective(trial):
    time.sleep(0.1)
    return trial.params["x"]
"""

BUDGET = 80
SPEC = f"""
name: chaos
objective: {{direction: minimize}}
trial: {{function: objective.py:objective}}
parameters: [{{name: x, type: float, low: 0, high: 1}}]
seed: 3
budget: {{max_trials: {BUDGET}, max_failed_trials: 1000}}
execution: {{heartbeat_seconds: 0.2, lost_after_seconds: 2.0, max_retries: 1}}
"""

KILLS = 20
FINAL_RUN_DEADLINE = 180.0
STARTUP_DEADLINE = 120.0


def finished_rows(url: str) -> dict[int, str]:
    """A hash of every finished trial row and its reports, by trial id."""
    engine = make_engine(url, read_only=True)
    try:
        with engine.connect() as conn:
            rows = conn.execute(select(trials).where(trials.c.state != "RUNNING")).all()
            report_rows = conn.execute(
                select(reports.c.trial_id, reports.c.step, reports.c.metrics).order_by(reports.c.id)
            ).all()
    finally:
        engine.dispose()
    by_trial: dict[int, list[tuple[object, ...]]] = {}
    for trial_id, step, metrics in report_rows:
        by_trial.setdefault(int(trial_id), []).append((step, metrics))
    return {
        int(row.id): hashlib.sha256(repr((tuple(row), by_trial.get(row.id))).encode()).hexdigest()
        for row in rows
    }


def has_finished_trials(url: str) -> bool:
    try:
        return bool(finished_rows(url))
    except SQLAlchemyError:  # no database file, or the first process is creating the tables
        return False


def worker_pids(driver: int) -> list[int]:
    try:
        children = Path(f"/proc/{driver}/task/{driver}/children").read_text().split()
    except OSError:
        return []
    return [int(pid) for pid in children]


def assert_unchanged(before: dict[int, str], after: dict[int, str]) -> None:
    lost = sorted(set(before) - set(after))
    changed = sorted(i for i in before if i in after and before[i] != after[i])
    assert not lost and not changed, f"finished trials lost {lost} or changed {changed}"


def run_with_kills(
    drivers: list[subprocess.Popen[str]], url: str, options: tuple[str, ...], rng: random.Random
) -> int:
    """SIGKILL a worker or the driver (then resume) ``KILLS`` times, checking after each kill
    that no finished trial was lost or changed; wait for the last driver to finish."""
    driver = drivers[-1]
    deadline = time.monotonic() + STARTUP_DEADLINE
    while not has_finished_trials(url):  # the experiment exists now: resume can find it
        assert time.monotonic() < deadline and driver.poll() is None, driver.communicate()
        time.sleep(0.05)
    killed = 0
    for _ in range(KILLS):
        time.sleep(rng.uniform(0.3, 1.2))
        if driver.poll() is not None:
            break  # the budget is already used up
        before = finished_rows(url)
        pids = worker_pids(driver.pid)
        if pids and rng.random() < 0.6:
            os.kill(rng.choice(pids), signal.SIGKILL)
        else:
            driver.kill()
            driver.communicate(timeout=60)
            driver = popen_cli("resume", "chaos", *options)
            drivers.append(driver)
        killed += 1
        assert_unchanged(before, finished_rows(url))
    before = finished_rows(url)
    _, stderr = driver.communicate(timeout=FINAL_RUN_DEADLINE)
    assert driver.returncode == 0, stderr
    assert "database is locked" not in stderr
    assert_unchanged(before, finished_rows(url))
    return killed


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=needs_postgres)])
def chaos_storage(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[str, int]:
    """The storage URL and the number of workers per driver."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'chaos.db'}", 2
    return str(request.getfixturevalue("postgres_url")), 4


def test_random_sigkills_of_workers_and_driver_lose_no_finished_trial(
    tmp_path: Path, chaos_storage: tuple[str, int]
) -> None:
    url, workers = chaos_storage
    spec = write_spec(tmp_path, SPEC, OBJECTIVE)
    rng = random.Random(7)
    options = ("--storage", url, "--workers", str(workers), "--no-progress")
    drivers = [popen_cli("run", str(spec), *options)]
    try:
        killed = run_with_kills(drivers, url, options, rng)
    finally:
        for driver in drivers:  # a failed assertion must not leave a driver running
            if driver.poll() is None:
                driver.kill()
                driver.communicate(timeout=60)
    assert killed > 0

    storage = open_storage(url)
    trials = storage.trials(storage.get_experiment("chaos").id)
    storage.close()
    assert [t.number for t in trials] == list(range(len(trials)))
    assert not [t.number for t in trials if t.state is TrialState.RUNNING]
    assert sum(t.state is not TrialState.FAILED for t in trials) == BUDGET
    # A retry runs the candidate it retries.
    by_number = {t.number: t for t in trials}
    for trial in trials:
        if RETRY_OF in trial.attrs:
            assert trial.params == by_number[trial.attrs[RETRY_OF]].params
