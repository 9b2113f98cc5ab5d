"""Heartbeats and the reaper: the part of the storage conformance suite that fault
tolerance relies on. ``StorageConformance`` inherits these tests, so every backend runs them."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest

from netsynth.storage.storage import Storage, TrialDraft, TrialFinishedError
from netsynth.trial_record import LOST_WORKER, TrialState

# Sleeps below are margins between timestamps, never bounds on how long anything takes.
_TICK = 0.05


def _experiment_id(storage: Storage, name: str) -> int:
    return storage.create_experiment(name, {"kind": "test"}).id


def _trial_id(storage: Storage, experiment_id: int, *, limit: int | None = None) -> int:
    record = storage.create_trial(experiment_id, _draft, limit=limit)
    assert record is not None
    return record.id


def _draft(number: int) -> TrialDraft:
    return TrialDraft(params={"x": float(number)})


class HeartbeatConformance:
    def test_new_trial_starts_with_a_heartbeat_at_its_creation(self, storage: Storage) -> None:
        eid = _experiment_id(storage, "hb-new")
        record = storage.trial(_trial_id(storage, eid))
        assert record.heartbeat_at == pytest.approx(record.created_at)

    def test_heartbeat_moves_the_heartbeat_forward(self, storage: Storage) -> None:
        eid = _experiment_id(storage, "hb-forward")
        trial_id = _trial_id(storage, eid)
        before = storage.trial(trial_id).heartbeat_at
        time.sleep(_TICK)
        storage.heartbeat([trial_id])
        after = storage.trial(trial_id).heartbeat_at
        assert before is not None and after is not None and after > before

    def test_reap_within_the_grace_period_fails_nothing(self, storage: Storage) -> None:
        eid = _experiment_id(storage, "hb-grace")
        trial_id = _trial_id(storage, eid)
        assert storage.reap(eid, grace_seconds=3600.0) == []
        assert storage.trial(trial_id).state is TrialState.RUNNING

    def test_reap_fails_a_silent_trial_as_lost_worker_and_frees_its_slot(
        self, storage: Storage
    ) -> None:
        eid = _experiment_id(storage, "hb-silent")
        trial_id = _trial_id(storage, eid, limit=1)
        assert storage.create_trial(eid, _draft, limit=1) is None
        time.sleep(_TICK)
        reaped = storage.reap(eid, grace_seconds=_TICK / 5)
        assert [r.id for r in reaped] == [trial_id]
        stored = storage.trial(trial_id)
        assert stored == reaped[0]
        assert stored.state is TrialState.FAILED
        assert (stored.reason or "").startswith(LOST_WORKER)
        assert stored.finished_at is not None
        assert not stored.counts_as_failure
        assert storage.create_trial(eid, _draft, limit=1) is not None

    def test_a_recent_heartbeat_keeps_a_trial_from_being_reaped(self, storage: Storage) -> None:
        eid = _experiment_id(storage, "hb-alive")
        alive, silent = _trial_id(storage, eid), _trial_id(storage, eid)
        time.sleep(4 * _TICK)
        storage.heartbeat([alive])
        reaped = storage.reap(eid, grace_seconds=2 * _TICK)
        assert [r.id for r in reaped] == [silent]
        assert storage.trial(alive).state is TrialState.RUNNING

    def test_reap_leaves_finished_trials_and_other_experiments_alone(
        self, storage: Storage
    ) -> None:
        eid, other = _experiment_id(storage, "hb-mine"), _experiment_id(storage, "hb-other")
        done = _trial_id(storage, eid)
        storage.finish_trial(done, TrialState.COMPLETE, value=1.0)
        elsewhere = _trial_id(storage, other)
        finished = storage.trial(done)
        time.sleep(_TICK)
        assert storage.reap(eid, grace_seconds=_TICK / 5) == []
        assert storage.trial(done) == finished
        assert storage.trial(elsewhere).state is TrialState.RUNNING

    def test_heartbeat_on_a_finished_trial_changes_nothing(self, storage: Storage) -> None:
        eid = _experiment_id(storage, "hb-finished")
        trial_id = _trial_id(storage, eid)
        storage.finish_trial(trial_id, TrialState.PRUNED, value=0.5)
        finished = storage.trial(trial_id)
        time.sleep(_TICK)
        storage.heartbeat([trial_id])
        assert storage.trial(trial_id) == finished

    def test_late_report_and_finish_of_a_reaped_trial_raise_and_change_nothing(
        self, storage: Storage
    ) -> None:
        eid = _experiment_id(storage, "hb-late")
        trial_id = _trial_id(storage, eid)
        time.sleep(_TICK)
        (reaped,) = storage.reap(eid, grace_seconds=_TICK / 5)
        with pytest.raises(TrialFinishedError):
            storage.add_report(trial_id, 1, {"loss": 0.1})
        with pytest.raises(TrialFinishedError):
            storage.finish_trial(trial_id, TrialState.COMPLETE, value=0.1)
        assert storage.trial(trial_id) == reaped

    def test_concurrent_reapers_fail_each_trial_exactly_once(
        self, storage: Storage, second_client: Callable[[], Storage]
    ) -> None:
        eid = _experiment_id(storage, "hb-race")
        ids = {_trial_id(storage, eid) for _ in range(6)}
        clients = [storage, second_client(), second_client()]
        time.sleep(_TICK)
        results: list[list[int]] = [[] for _ in clients]
        start = threading.Barrier(len(clients))

        def reap(index: int) -> None:
            start.wait(timeout=30)
            results[index] = [r.id for r in clients[index].reap(eid, grace_seconds=_TICK / 5)]

        threads = [threading.Thread(target=reap, args=(i,)) for i in range(len(clients))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        everything = [trial_id for result in results for trial_id in result]
        assert sorted(everything) == sorted(ids)
        # Each reaped trial frees exactly one slot: one trial fits under limit=1, a second not.
        assert storage.create_trial(eid, _draft, limit=1) is not None
        assert storage.create_trial(eid, _draft, limit=1) is None

    def test_a_heartbeat_is_seen_by_a_second_client(
        self, storage: Storage, second_client: Callable[[], Storage]
    ) -> None:
        eid = _experiment_id(storage, "hb-seen")
        trial_id = _trial_id(storage, eid)
        other = second_client()
        time.sleep(4 * _TICK)
        other.heartbeat([trial_id])
        assert storage.reap(eid, grace_seconds=2 * _TICK) == []
        assert storage.trials(eid)[0].heartbeat_at == other.trial(trial_id).heartbeat_at
