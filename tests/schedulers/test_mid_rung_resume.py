"""A Hyperband search whose driver is killed while a trial is between two rungs: ``netsynth
resume`` retries that trial in its bracket and rung, and every later candidate lands in the
bracket an uninterrupted search gives it."""

from __future__ import annotations

import signal
import time
from pathlib import Path
from typing import Any

import pytest

from netsynth.runner.retries import RETRY_OF
from netsynth.storage import open_storage
from netsynth.trial_record import LOST_WORKER, TrialRecord, TrialState
from tests.conftest import cli, popen_cli, write_spec
from tests.schedulers.recorded_curves import FIXTURE, decisions, replayed_search

KILLED = 9  # bracket 0; on the recorded curves it passes the rung at epoch 1, stops at 3
HANG_AT = 2  # epochs: between the rungs at 1 and 3
SCHEDULER: dict[str, Any] = {"name": "hyperband", "max_resource": 9, "reduction_factor": 3}

OBJECTIVE = f"""
import json, os, time
CURVES = [c["val_acc"] for c in json.load(open({str(FIXTURE)!r}))["curves"]]
def objective(trial):
    trial.suggest_float("x", 0.0, 1.0)
    curve = CURVES[trial.first_attempt % len(CURVES)]
    value = curve[0]
    for step, value in enumerate(curve[: int(trial.fidelity.get("epochs", 9))], start=1):
        trial.report(step, val_acc=value)
        if trial.should_stop():
            break
        if trial.number == {KILLED} and step == {HANG_AT} and os.path.exists("hang.flag"):
            time.sleep(120)  # killed here
    return {{"val_acc": value}}
"""

SPEC = """
name: mid-rung
objective: {metric: val_acc, direction: maximize}
trial: {function: objective.py:objective}
parameters: [{name: x, type: float, low: 0, high: 1}]
scheduler: {name: hyperband, max_resource: 9, reduction_factor: 3}
seed: 0
budget: {max_trials: 12}
execution: {max_retries: 1}
"""


def uninterrupted() -> list[TrialRecord]:
    return sorted(replayed_search(SCHEDULER), key=lambda t: t.number)


def test_the_uninterrupted_search_passes_the_killed_trial_past_its_first_rung() -> None:
    killed = uninterrupted()[KILLED]
    assert killed.bracket == 0 and len(killed.reports) > HANG_AT
    assert killed.state is TrialState.PRUNED  # at the next rung: the retry must stop there too


@pytest.mark.slow
def test_a_search_killed_mid_rung_resumes_with_the_same_brackets(
    tmp_path: Path, sqlite_url: str
) -> None:
    spec = write_spec(tmp_path, SPEC, OBJECTIVE)
    (tmp_path / "hang.flag").touch()
    driver = popen_cli("run", str(spec), "--storage", sqlite_url, "--no-progress", cwd=tmp_path)
    storage = open_storage(sqlite_url)

    def mid_rung() -> bool:
        try:
            trials = storage.trials(storage.get_experiment("mid-rung").id)
        except Exception:  # noqa: BLE001 - not created yet
            return False
        return any(t.number == KILLED and len(t.reports) == HANG_AT for t in trials)

    deadline = time.monotonic() + 120
    while not mid_rung():
        assert driver.poll() is None, driver.communicate()
        assert time.monotonic() < deadline, "the trial did not reach the hang in 120 s"
        time.sleep(0.05)
    driver.send_signal(signal.SIGKILL)
    driver.communicate()
    (tmp_path / "hang.flag").unlink()
    before = {t.number: t for t in storage.trials(storage.get_experiment("mid-rung").id)}

    result = cli("resume", "mid-rung", "--storage", sqlite_url, "--no-progress", cwd=tmp_path)
    assert result.returncode == 0, result.stderr

    storage = open_storage(sqlite_url)  # a fresh client, nothing cached
    trials = sorted(storage.trials(storage.get_experiment("mid-rung").id), key=lambda t: t.number)
    lost = trials[KILLED]
    assert lost.state is TrialState.FAILED and LOST_WORKER in (lost.reason or "")
    assert [r.step for r in lost.reports] == list(range(1, HANG_AT + 1))
    for number in range(KILLED):
        assert trials[number] == before[number]  # finished trials are never touched
    retry = trials[KILLED + 1]
    assert retry.attrs[RETRY_OF] == KILLED
    assert retry.bracket == lost.bracket == 0

    # Leave the lost attempt out and the candidates line up with an uninterrupted search:
    # the same brackets, one after the other, and the retried candidate (replaying the same
    # curve) promoted and stopped exactly as there.
    kept = [t for t in trials if t.number != KILLED]
    reference = uninterrupted()
    assert len(kept) == len(reference) == 12
    assert [t.bracket for t in kept] == [t.bracket for t in reference]
    assert decisions([retry])[0][1:] == decisions([reference[KILLED]])[0][1:]
    assert decisions(kept[:KILLED]) == decisions(reference[:KILLED])
