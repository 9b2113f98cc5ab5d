"""The history a search reads before each proposal: views that cost nothing to take, and
feeds that hand out only what is new, starting over when the history is not the one before."""

from __future__ import annotations

import pytest

from netsynth.storage.in_memory import InMemoryStorage
from netsynth.storage.sql import SQLStorage
from netsynth.storage.storage import Storage
from netsynth.trial_history import EveryTrial, FinishedFeed, TrialHistory
from netsynth.trial_record import TrialRecord, TrialState

RUNNING, COMPLETE = TrialState.RUNNING, TrialState.COMPLETE


def trial(number: int, state: TrialState = COMPLETE, experiment: int = 1) -> TrialRecord:
    return TrialRecord(
        id=number + 1 + 1000 * experiment, experiment_id=experiment, number=number, state=state
    )


def test_a_view_keeps_its_length_and_shows_trials_as_they_are_now() -> None:
    records = [trial(0), trial(1, RUNNING)]
    view = TrialHistory(records)
    records[1] = trial(1)  # the running trial finished
    records.append(trial(2))
    assert len(view) == 2 and [t.state for t in view] == [COMPLETE, COMPLETE]
    assert view[-1].number == 1 and view[-2].number == 0 and view[:1] == [records[0]]
    with pytest.raises(IndexError):
        view[2]


def test_the_finished_feed_waits_for_running_trials_and_hands_each_out_once() -> None:
    feed = FinishedFeed()
    history = [trial(0), trial(1, RUNNING), trial(2)]
    assert [t.number for t in feed.fresh(history)] == [0, 2] and feed.running == 1
    history[1] = trial(1)
    history.append(trial(3, RUNNING))
    assert [t.number for t in feed.fresh(history)] == [1] and feed.running == 1
    assert feed.fresh(history) == []


def test_feeds_start_over_on_a_history_that_does_not_continue_the_last() -> None:
    every, finished = EveryTrial(), FinishedFeed()
    first = [trial(n) for n in range(5)]
    other = [trial(n, experiment=2) for n in range(3)]
    assert len(every.fresh(first)) == 5 and not every.restarted
    assert len(finished.fresh(first)) == 5
    assert [t.experiment_id for t in every.fresh(other)] == [2, 2, 2] and every.restarted
    assert [t.experiment_id for t in finished.fresh(other)] == [2, 2, 2]
    assert every.fresh(first[:2]) == first[:2] and every.restarted  # shorter: from the start


@pytest.fixture(params=["memory", "sqlite"])
def storage(request: pytest.FixtureRequest, tmp_path) -> Storage:  # type: ignore[no-untyped-def]
    if request.param == "memory":
        return InMemoryStorage()
    return SQLStorage(f"sqlite:///{tmp_path / 'history.db'}")


def test_a_storages_history_is_its_trials_in_order(storage: Storage) -> None:
    from netsynth import create_experiment

    experiment = create_experiment("h", storage=storage, seed=0)
    for value in range(7):
        t = experiment.ask()
        if value != 3:
            experiment.tell(t, float(value))
    history = storage.history(experiment.id)
    assert [t.number for t in history] == [t.number for t in storage.trials(experiment.id)]
    assert [t.state for t in history].count(RUNNING) == 1
    running = next(t for t in history if t.state is RUNNING)
    storage.finish_trial(running.id, COMPLETE, value=3.0)
    assert storage.history(experiment.id)[3].state is COMPLETE


def test_an_older_sqlite_file_gets_the_history_index_when_opened_for_writing(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import sqlite3

    path = tmp_path / "old.db"
    SQLStorage(f"sqlite:///{path}").close()
    with sqlite3.connect(path) as conn:
        conn.execute("DROP INDEX ix_trials_experiment_id")
    SQLStorage(f"sqlite:///{path}").close()
    with sqlite3.connect(path) as conn:
        names = {
            row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type='index'")
        }
    assert "ix_trials_experiment_id" in names
