"""``netsynth ls``: an experiment's duration is the time it was worked on, from its state log,
so a later write that only touches its attrs (a dashboard Pick) leaves it unchanged."""

from __future__ import annotations

import json
import time

import pytest

import netsynth
from netsynth.cli import main
from netsynth.display.experiments import active_seconds
from netsynth.experiment_record import ExperimentRecord, ExperimentState


def _record(log: list[tuple[str, float]], updated_at: float) -> ExperimentRecord:
    return ExperimentRecord(
        id=1,
        name="e",
        state=ExperimentState(log[-1][0]),
        config={},
        state_log=tuple(log),
        created_at=log[0][1],
        updated_at=updated_at,
    )


def test_duration_sums_the_active_stretches_of_the_state_log() -> None:
    log = [
        ("CREATED", 100.0),
        ("PREPARING", 110.0),  # 10 s CREATED: not active
        ("SEARCHING", 115.0),
        ("STOPPED", 130.0),  # active 110..130
        ("PREPARING", 1000.0),  # resumed much later: the gap is not active
        ("SEARCHING", 1001.0),
        ("RETRAINING", 1010.0),
        ("EVALUATING", 1012.0),
        ("EXPORTING", 1013.0),
        ("COMPLETED", 1015.0),  # active 1000..1015
    ]
    assert active_seconds(_record(log, updated_at=5000.0)) == pytest.approx(35.0)


def test_a_continued_search_and_a_run_in_progress_count_up_to_now() -> None:
    log = [("CREATED", 0.0), ("PREPARING", 1.0), ("COMPLETED", 4.0), ("SEARCHING", 50.0)]
    assert active_seconds(_record(log, updated_at=50.0), now=60.0) == pytest.approx(13.0)


def test_a_record_without_a_log_falls_back_to_its_timestamps() -> None:
    record = ExperimentRecord(
        1, "e", ExperimentState.COMPLETED, {}, created_at=10.0, updated_at=25.0
    )
    assert active_seconds(record) == pytest.approx(15.0)


def test_a_pick_after_the_run_keeps_the_listed_duration(
    sqlite_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    experiment = netsynth.create_experiment("picked", storage=sqlite_url, seed=0)
    experiment.run(lambda t: t.suggest_float("x", 0, 1), max_trials=2, progress=False)

    def listed() -> dict[str, object]:
        assert main(["ls", "--storage", sqlite_url, "--format", "json"]) == 0
        (row,) = json.loads(capsys.readouterr().out)
        return dict(row)

    before = listed()
    finished = experiment.refresh().updated_at
    time.sleep(0.3)  # so that the Pick's write lands visibly later
    # What the dashboard's Pick writes: an attr, which moves updated_at.
    experiment.storage.update_experiment(
        experiment.id, attrs={"picked": {"trial": 0, "folder": None, "at": time.time()}}
    )
    assert experiment.refresh().updated_at > finished + 0.25
    assert listed()["duration_s"] == before["duration_s"]
