"""Chaos: SIGKILL workers and the driver at random moments of a run on SQLite; restart the
driver with ``netsynth resume``. No finished trial may be lost or changed, no trial may be
left RUNNING, and the budget must be met exactly.

Every wait is bounded by a generous deadline; nothing asserts how long anything took.
"""

from __future__ import annotations

import hashlib
import os
import random
import signal
import sqlite3
import time
from pathlib import Path

from netsynth.runner.retries import RETRY_OF
from netsynth.storage import open_storage
from netsynth.trial_record import TrialState
from tests.conftest import popen_cli, write_spec

OBJECTIVE = """
import time
def objective(trial):
    time.sleep(0.1)
    return trial.params["x"]
"""

BUDGET = 40
SPEC = f"""
name: chaos
objective: {{direction: minimize}}
trial: {{function: objective.py:objective}}
parameters: [{{name: x, type: float, low: 0, high: 1}}]
seed: 3
budget: {{max_trials: {BUDGET}, max_failed_trials: 1000}}
execution: {{workers: 2, heartbeat_seconds: 0.2, lost_after_seconds: 2.0, max_retries: 1}}
"""

KILLS = 10
FINAL_RUN_DEADLINE = 180.0
STARTUP_DEADLINE = 120.0


def finished_rows(db: Path) -> dict[int, str]:
    """A hash of every finished trial row and its reports, by trial id."""
    connection = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=60)
    try:
        rows = connection.execute("SELECT * FROM trials WHERE state != 'RUNNING'").fetchall()
        hashes = {}
        for row in rows:
            reports = connection.execute(
                "SELECT step, metrics FROM reports WHERE trial_id = ? ORDER BY id", (row[0],)
            ).fetchall()
            hashes[int(row[0])] = hashlib.sha256(repr((row, reports)).encode()).hexdigest()
        return hashes
    finally:
        connection.close()


def has_finished_trials(db: Path) -> bool:
    try:
        return db.exists() and bool(finished_rows(db))
    except sqlite3.OperationalError:  # the first process is still creating the tables
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


def test_random_sigkills_of_workers_and_driver_lose_no_finished_trial(tmp_path: Path) -> None:
    db = tmp_path / "chaos.db"
    url = f"sqlite:///{db}"
    spec = write_spec(tmp_path, SPEC, OBJECTIVE)
    rng = random.Random(7)
    driver = popen_cli("run", str(spec), "--storage", url, "--no-progress")
    deadline = time.monotonic() + STARTUP_DEADLINE
    while not has_finished_trials(db):  # the experiment exists now: resume can find it
        assert time.monotonic() < deadline and driver.poll() is None, driver.communicate()
        time.sleep(0.05)
    killed_driver = killed_workers = 0
    for _ in range(KILLS):
        time.sleep(rng.uniform(0.3, 1.2))
        if driver.poll() is not None:
            break  # the budget is already used up
        before = finished_rows(db)
        workers = worker_pids(driver.pid)
        if workers and rng.random() < 0.6:
            os.kill(rng.choice(workers), signal.SIGKILL)
            killed_workers += 1
        else:
            driver.kill()
            driver.communicate(timeout=60)
            killed_driver += 1
            driver = popen_cli("resume", "chaos", "--storage", url, "--no-progress")
        assert_unchanged(before, finished_rows(db))
    before = finished_rows(db)
    _, stderr = driver.communicate(timeout=FINAL_RUN_DEADLINE)
    assert driver.returncode == 0, stderr
    assert "database is locked" not in stderr
    assert killed_driver + killed_workers > 0
    assert_unchanged(before, finished_rows(db))

    storage = open_storage(url)
    trials = storage.trials(storage.get_experiment("chaos").id)
    assert [t.number for t in trials] == list(range(len(trials)))
    assert not [t.number for t in trials if t.state is TrialState.RUNNING]
    assert sum(t.state is not TrialState.FAILED for t in trials) == BUDGET
    # A retry runs the candidate it retries.
    by_number = {t.number: t for t in trials}
    for trial in trials:
        if RETRY_OF in trial.attrs:
            assert trial.params == by_number[trial.attrs[RETRY_OF]].params
