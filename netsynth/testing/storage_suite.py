"""The storage conformance suite: one set of tests that every ``Storage`` backend must pass.

Subclass ``StorageConformance`` in a test module (its name starts with ``Test``) and provide
the ``storage`` fixture, a fresh and empty storage. Backends that keep their data outside the
process also override ``second_client``: a factory that opens another ``Storage`` object on
the same database, so that the suite can check that what one client writes, another reads::

    class TestSQLiteStorage(StorageConformance):
        @pytest.fixture
        def url(self, tmp_path: Path) -> str:
            return f"sqlite:///{tmp_path}/x.db"

        @pytest.fixture
        def storage(self, url: str) -> Iterator[Storage]:
            storage = open_storage(url)
            yield storage
            storage.close()

        @pytest.fixture
        def second_client(self, url: str) -> Iterator[Callable[[], Storage]]:
            ...

By default ``second_client`` returns the ``storage`` object itself, which is right for a
backend that lives in one process (``InMemoryStorage``).
"""

from __future__ import annotations

import math
import threading
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from netsynth.experiment_record import ExperimentRecord, ExperimentState
from netsynth.storage.storage import (
    DraftFactory,
    ExperimentExistsError,
    ExperimentNotFoundError,
    RetryExistsError,
    Storage,
    StorageError,
    TrialDraft,
    TrialFinishedError,
)
from netsynth.testing.heartbeat_suite import HeartbeatConformance
from netsynth.trial_record import (
    LOST_WORKER,
    RETRY_OF,
    Report,
    TrialOutline,
    TrialRecord,
    TrialState,
)

FINISHED_STATES = (TrialState.COMPLETE, TrialState.PRUNED, TrialState.FAILED)
NOT_FAILED_STATES = (TrialState.COMPLETE, TrialState.PRUNED)

NESTED_CONFIG: dict[str, Any] = {
    "objective": {"metric": "val_acc", "direction": "maximize"},
    "space": {
        "lr": {"type": "float", "low": 1e-5, "high": 0.1, "log": True},
        "layers": {"type": "categorical", "choices": [1, 2, "deep", None, True, 0.5]},
    },
    "budget": {"max_trials": 100, "timeout": None},
    "tags": ["réseau", "нейросеть", "神经网络", "🧠", 'quote " and \\ backslash', "\n\t"],
    "empty": {"list": [], "dict": {}, "string": ""},
    "numbers": [0, -1, 2**53, -(2**53), 1.5e-300, 1.7976931348623157e308, -0.5],
    "ünïcødé kéy": {"ключ": "значение", "鍵": ["値", {"deeper": [[[]]]}]},
}

NESTED_ATTRS: dict[str, Any] = {
    "seed": 1234,
    "notes": "première exécution ✓",
    "history": [{"state": "PREPARING", "at": 1.25}, {"state": "SEARCHING", "at": None}],
}

# JSON values as storage keeps them: NaN is left out only because NaN != NaN.
_json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63 - 1)
    | st.floats(allow_nan=False)
    | st.text(max_size=12)
)
_json_values = st.recursive(
    _json_scalars,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=16,
)
_json_objects = st.dictionaries(st.text(max_size=8), _json_values, max_size=5)


def draft_of(**fields: Any) -> DraftFactory:
    """A draft factory that ignores the number and returns ``TrialDraft(**fields)``."""
    draft = TrialDraft(**fields)

    def factory(number: int) -> TrialDraft:
        return draft

    return factory


EMPTY_DRAFT = draft_of()


def new_experiment(storage: Storage, name: str | None = None) -> ExperimentRecord:
    return storage.create_experiment(name or f"exp-{uuid.uuid4().hex[:12]}", {"kind": "test"})


def new_trial(
    storage: Storage,
    experiment_id: int,
    draft: DraftFactory = EMPTY_DRAFT,
    *,
    limit: int | None = None,
    worker: str | None = None,
) -> TrialRecord:
    record = storage.create_trial(experiment_id, draft, limit=limit, worker=worker)
    assert record is not None, "create_trial returned None although no limit was reached"
    return record


def numbers_of(records: list[TrialRecord]) -> list[int]:
    return [record.number for record in records]


class StorageConformance(HeartbeatConformance):
    """What every storage backend guarantees. Subclasses provide the ``storage`` fixture."""

    # -- fixtures ----------------------------------------------------------------------------

    @pytest.fixture
    def storage(self) -> Iterator[Storage]:
        raise NotImplementedError("a StorageConformance subclass must provide `storage`")

    @pytest.fixture
    def second_client(self, storage: Storage) -> Callable[[], Storage]:
        """Open another client on the database behind ``storage`` (here: the same object)."""
        return lambda: storage

    # -- experiments: create, get, list ------------------------------------------------------

    def test_new_experiment_starts_created_with_its_name_and_one_state_log_entry(
        self, storage: Storage
    ) -> None:
        record = storage.create_experiment("first", {"a": 1})
        assert record.name == "first"
        assert record.state is ExperimentState.CREATED
        assert record.reason is None
        assert record.config == {"a": 1}
        assert record.attrs == {}
        assert [state for state, _ in record.state_log] == [ExperimentState.CREATED.value]

    def test_get_experiment_returns_the_created_record(self, storage: Storage) -> None:
        created = storage.create_experiment("first", {"a": 1}, {"b": 2})
        assert storage.get_experiment("first") == created

    def test_list_experiments_of_empty_storage_is_empty(self, storage: Storage) -> None:
        assert storage.list_experiments() == []

    def test_list_experiments_returns_every_experiment_in_creation_order(
        self, storage: Storage
    ) -> None:
        created = [storage.create_experiment(name, {"n": i}) for i, name in enumerate("cab")]
        listed = storage.list_experiments()
        assert [e.name for e in listed] == ["c", "a", "b"]
        assert listed == created
        assert len({e.id for e in listed}) == 3

    def test_duplicate_experiment_name_raises_and_keeps_the_first(self, storage: Storage) -> None:
        first = storage.create_experiment("same", {"v": 1})
        with pytest.raises(ExperimentExistsError):
            storage.create_experiment("same", {"v": 2})
        assert storage.get_experiment("same") == first
        assert storage.list_experiments() == [first]

    def test_unknown_experiment_name_raises_not_found(self, storage: Storage) -> None:
        storage.create_experiment("known", {})
        with pytest.raises(ExperimentNotFoundError):
            storage.get_experiment("unknown")

    def test_experiment_config_and_attrs_round_trip_nested_json_and_unicode(
        self, storage: Storage, second_client: Callable[[], Storage]
    ) -> None:
        storage.create_experiment("répertoire ✓", NESTED_CONFIG, NESTED_ATTRS)
        for client in (storage, second_client()):
            record = client.get_experiment("répertoire ✓")
            assert record.config == NESTED_CONFIG
            assert record.attrs == NESTED_ATTRS

    @settings(
        max_examples=25,
        deadline=None,
        # One storage serves every example (names are unique); each backend's subclass runs the
        # same inherited method, which is what differing_executors would flag.
        suppress_health_check=[
            HealthCheck.function_scoped_fixture,
            HealthCheck.differing_executors,
        ],
    )
    @given(config=_json_objects, attrs=_json_objects)
    def test_any_json_config_and_attrs_round_trip(
        self, storage: Storage, config: dict[str, Any], attrs: dict[str, Any]
    ) -> None:
        name = f"exp-{uuid.uuid4().hex}"
        storage.create_experiment(name, config, attrs)
        record = storage.get_experiment(name)
        assert record.config == config
        assert record.attrs == attrs

    def test_infinite_floats_in_config_round_trip(self, storage: Storage) -> None:
        storage.create_experiment("inf", {"low": -math.inf, "high": math.inf})
        assert storage.get_experiment("inf").config == {"low": -math.inf, "high": math.inf}

    def test_stored_config_does_not_change_when_the_caller_mutates_its_dicts(
        self, storage: Storage
    ) -> None:
        config: dict[str, Any] = {"budget": {"max_trials": 10}, "tags": ["a"]}
        attrs: dict[str, Any] = {"nested": {"k": 1}}
        record = storage.create_experiment("copied", config, attrs)
        config["budget"]["max_trials"] = 99
        config["tags"].append("b")
        config["new"] = 1
        attrs["nested"]["k"] = 2
        stored = storage.get_experiment("copied")
        assert stored.config == {"budget": {"max_trials": 10}, "tags": ["a"]}
        assert stored.attrs == {"nested": {"k": 1}}
        replacement: dict[str, Any] = {"budget": {"max_trials": 20}}
        storage.update_experiment(record.id, config=replacement)
        replacement["budget"]["max_trials"] = 99
        assert storage.get_experiment("copied").config == {"budget": {"max_trials": 20}}

    # -- experiments: update and state -------------------------------------------------------

    def test_update_experiment_replaces_the_whole_config(self, storage: Storage) -> None:
        record = storage.create_experiment("e", {"old": 1, "kept?": {"x": 1}}, {"a": 1})
        storage.update_experiment(record.id, config={"new": {"nested": ["ü"]}})
        updated = storage.get_experiment("e")
        assert updated.config == {"new": {"nested": ["ü"]}}
        assert updated.attrs == {"a": 1}

    def test_update_experiment_merges_attrs_into_existing_attrs(self, storage: Storage) -> None:
        record = storage.create_experiment("e", {"c": 1}, {"keep": 1, "overwrite": "old"})
        storage.update_experiment(record.id, attrs={"overwrite": "new", "added": [1, 2]})
        updated = storage.get_experiment("e")
        assert updated.attrs == {"keep": 1, "overwrite": "new", "added": [1, 2]}
        assert updated.config == {"c": 1}

    def test_update_experiment_drops_the_attrs_named(self, storage: Storage) -> None:
        record = storage.create_experiment("e", {"c": 1}, {"keep": 1, "final": [1], "winner": 3})
        storage.update_experiment(record.id, drop_attrs=("final", "winner", "absent"))
        assert storage.get_experiment("e").attrs == {"keep": 1}
        storage.update_experiment(record.id, attrs={"final": [2]}, drop_attrs=("keep",))
        assert storage.get_experiment("e").attrs == {"final": [2]}

    def test_update_experiment_with_config_and_attrs_does_both(self, storage: Storage) -> None:
        record = storage.create_experiment("e", {"c": 1}, {"a": 1})
        storage.update_experiment(record.id, config={"c": 2}, attrs={"b": 2})
        updated = storage.get_experiment("e")
        assert updated.config == {"c": 2}
        assert updated.attrs == {"a": 1, "b": 2}

    def test_update_experiment_touches_only_that_experiment(self, storage: Storage) -> None:
        one = storage.create_experiment("one", {"c": 1}, {"a": 1})
        storage.create_experiment("two", {"c": 2}, {"a": 2})
        storage.update_experiment(one.id, config={"c": 10}, attrs={"a": 10})
        two = storage.get_experiment("two")
        assert (two.config, two.attrs) == ({"c": 2}, {"a": 2})

    def test_set_experiment_state_appends_to_state_log_and_records_reason(
        self, storage: Storage
    ) -> None:
        record = storage.create_experiment("e", {})
        assert storage.set_experiment_state(record.id, ExperimentState.PREPARING)
        assert storage.set_experiment_state(record.id, ExperimentState.SEARCHING)
        assert storage.set_experiment_state(record.id, ExperimentState.FAILED, "out of memory")
        updated = storage.get_experiment("e")
        assert updated.state is ExperimentState.FAILED
        assert updated.reason == "out of memory"
        assert [state for state, _ in updated.state_log] == [
            "CREATED",
            "PREPARING",
            "SEARCHING",
            "FAILED",
        ]
        assert updated.state_log[0] == record.state_log[0]
        assert all(isinstance(at, float) for _, at in updated.state_log)
        assert updated.config == record.config

    def test_set_experiment_state_without_reason_clears_the_previous_reason(
        self, storage: Storage
    ) -> None:
        record = storage.create_experiment("e", {})
        storage.set_experiment_state(record.id, ExperimentState.STOPPED, "interrupted")
        storage.set_experiment_state(record.id, ExperimentState.SEARCHING)
        assert storage.get_experiment("e").reason is None

    def test_set_experiment_state_with_expected_does_not_move_from_other_states(
        self, storage: Storage
    ) -> None:
        record = storage.create_experiment("e", {})
        storage.set_experiment_state(record.id, ExperimentState.COMPLETED, "done")
        before = storage.get_experiment("e")
        moved = storage.set_experiment_state(
            record.id,
            ExperimentState.SEARCHING,
            "resumed",
            expected=[ExperimentState.CREATED, ExperimentState.STOPPED],
        )
        assert moved is False
        assert storage.get_experiment("e") == before

    def test_set_experiment_state_with_expected_moves_from_a_listed_state(
        self, storage: Storage
    ) -> None:
        record = storage.create_experiment("e", {})
        storage.set_experiment_state(record.id, ExperimentState.STOPPED)
        moved = storage.set_experiment_state(
            record.id,
            ExperimentState.SEARCHING,
            "resumed",
            expected={ExperimentState.CREATED, ExperimentState.STOPPED},
        )
        assert moved is True
        updated = storage.get_experiment("e")
        assert updated.state is ExperimentState.SEARCHING
        assert updated.reason == "resumed"
        assert [s for s, _ in updated.state_log] == ["CREATED", "STOPPED", "SEARCHING"]

    def test_set_experiment_state_touches_only_that_experiment(self, storage: Storage) -> None:
        one = storage.create_experiment("one", {})
        two = storage.create_experiment("two", {})
        storage.set_experiment_state(one.id, ExperimentState.SEARCHING)
        assert storage.get_experiment("two") == two

    def test_operations_on_an_unknown_experiment_id_raise_not_found(self, storage: Storage) -> None:
        record = storage.create_experiment("e", {})
        missing = record.id + 1000
        with pytest.raises(ExperimentNotFoundError):
            storage.set_experiment_state(missing, ExperimentState.SEARCHING)
        with pytest.raises(ExperimentNotFoundError):
            storage.update_experiment(missing, config={"x": 1})
        with pytest.raises(ExperimentNotFoundError):
            storage.create_trial(missing, EMPTY_DRAFT)

    def test_experiment_changes_are_seen_by_a_second_client(
        self, storage: Storage, second_client: Callable[[], Storage]
    ) -> None:
        other = second_client()
        record = storage.create_experiment("shared", {"c": 1}, {"a": 1})
        assert other.get_experiment("shared") == record
        other.update_experiment(record.id, config={"c": 2}, attrs={"b": 2})
        other.set_experiment_state(record.id, ExperimentState.SEARCHING, "go")
        seen = storage.get_experiment("shared")
        assert (seen.config, seen.attrs) == ({"c": 2}, {"a": 1, "b": 2})
        assert (seen.state, seen.reason) == (ExperimentState.SEARCHING, "go")
        assert [s for s, _ in seen.state_log] == ["CREATED", "SEARCHING"]
        assert storage.list_experiments() == other.list_experiments() == [seen]

    # -- trials: creation and numbering ------------------------------------------------------

    def test_trial_numbers_start_at_zero_and_are_consecutive(self, storage: Storage) -> None:
        experiment = new_experiment(storage)
        created = [new_trial(storage, experiment.id) for _ in range(5)]
        assert numbers_of(created) == [0, 1, 2, 3, 4]
        assert len({t.id for t in created}) == 5
        assert numbers_of(storage.trials(experiment.id)) == [0, 1, 2, 3, 4]

    def test_trial_numbers_are_independent_across_experiments(self, storage: Storage) -> None:
        one = new_experiment(storage, "one")
        two = new_experiment(storage, "two")
        numbers: dict[int, list[int]] = {one.id: [], two.id: []}
        for experiment_id in (one.id, two.id, two.id, one.id, two.id, one.id, one.id):
            record = new_trial(storage, experiment_id)
            assert record.experiment_id == experiment_id
            numbers[experiment_id].append(record.number)
        assert numbers == {one.id: [0, 1, 2, 3], two.id: [0, 1, 2]}
        assert numbers_of(storage.trials(one.id)) == [0, 1, 2, 3]
        assert numbers_of(storage.trials(two.id)) == [0, 1, 2]
        assert all(t.experiment_id == two.id for t in storage.trials(two.id))

    def test_draft_receives_the_number_that_the_record_gets(self, storage: Storage) -> None:
        experiment = new_experiment(storage)
        seen: list[int] = []

        def draft(number: int) -> TrialDraft:
            seen.append(number)
            return TrialDraft(params={"drafted_as": number}, attrs={"drafted_as": number})

        created = [new_trial(storage, experiment.id, draft) for _ in range(3)]
        assert seen == [0, 1, 2]
        for record in created:
            assert record.params == {"drafted_as": record.number}
            assert storage.trial(record.id).attrs == {"drafted_as": record.number}

    def test_new_trial_is_running_and_stores_everything_the_draft_holds(
        self, storage: Storage, second_client: Callable[[], Storage]
    ) -> None:
        experiment = new_experiment(storage)
        params: dict[str, Any] = {"lr": 0.01, "layers": 3, "act": "relu", "bn": True, "opt": None}
        distributions: dict[str, dict[str, Any]] = {
            "lr": {"type": "float", "low": 1e-5, "high": 0.1, "log": True},
            "layers": {"type": "int", "low": 1, "high": 8},
            "act": {"type": "categorical", "choices": ["relu", "gelu"]},
            "bn": {"type": "categorical", "choices": [True, False]},
            "opt": {"type": "categorical", "choices": [None, "sgd"]},
        }
        draft = draft_of(
            params=params,
            distributions=distributions,
            fidelity={"epochs": 9, "fraction": 0.25},
            bracket=2,
            rung=1,
            attrs={"note": "proposé", "origin": {"strategy": "random"}},
        )
        created = new_trial(storage, experiment.id, draft, worker="host-ü:1234")
        for record in (
            created,
            storage.trial(created.id),
            storage.trials(experiment.id)[0],
            second_client().trial(created.id),
        ):
            assert record.id == created.id
            assert record.experiment_id == experiment.id
            assert record.number == 0
            assert record.state is TrialState.RUNNING
            assert record.params == params
            assert record.distributions == distributions
            assert record.fidelity == {"epochs": 9, "fraction": 0.25}
            assert (record.bracket, record.rung) == (2, 1)
            assert record.attrs == {"note": "proposé", "origin": {"strategy": "random"}}
            assert record.worker == "host-ü:1234"
            assert record.value is None
            assert record.metrics == {}
            assert record.reports == ()
            assert record.reason is None
            assert record.finished_at is None
            assert record.duration is None
        assert storage.trial(created.id) == created

    def test_trial_without_draft_fields_has_empty_defaults(self, storage: Storage) -> None:
        experiment = new_experiment(storage)
        record = storage.trial(new_trial(storage, experiment.id).id)
        assert (record.params, record.distributions, record.fidelity, record.attrs) == (
            {},
            {},
            {},
            {},
        )
        assert (record.bracket, record.rung, record.worker) == (None, None, None)

    def test_draft_that_raises_creates_no_trial_and_uses_no_number(self, storage: Storage) -> None:
        experiment = new_experiment(storage)
        new_trial(storage, experiment.id)

        def broken(number: int) -> TrialDraft:
            raise RuntimeError("strategy failed")

        with pytest.raises(RuntimeError, match="strategy failed"):
            storage.create_trial(experiment.id, broken)
        assert numbers_of(storage.trials(experiment.id)) == [0]
        assert new_trial(storage, experiment.id).number == 1

    def test_trial_numbers_continue_across_clients(
        self, storage: Storage, second_client: Callable[[], Storage]
    ) -> None:
        other = second_client()
        experiment = new_experiment(storage)
        numbers = [new_trial(client, experiment.id).number for client in (storage, other) * 3]
        assert numbers == [0, 1, 2, 3, 4, 5]

    # -- trials: limit -----------------------------------------------------------------------

    def test_create_trial_returns_none_once_limit_trials_are_running(
        self, storage: Storage
    ) -> None:
        experiment = new_experiment(storage)
        created = [storage.create_trial(experiment.id, EMPTY_DRAFT, limit=3) for _ in range(3)]
        assert [t.number if t else None for t in created] == [0, 1, 2]
        assert storage.create_trial(experiment.id, EMPTY_DRAFT, limit=3) is None
        assert storage.create_trial(experiment.id, EMPTY_DRAFT, limit=3) is None
        assert numbers_of(storage.trials(experiment.id)) == [0, 1, 2]

    def test_refused_create_does_not_call_draft(self, storage: Storage) -> None:
        experiment = new_experiment(storage)
        new_trial(storage, experiment.id, limit=1)
        calls: list[int] = []

        def draft(number: int) -> TrialDraft:
            calls.append(number)
            return TrialDraft()

        assert storage.create_trial(experiment.id, draft, limit=1) is None
        assert calls == []

    def test_limit_zero_creates_nothing(self, storage: Storage) -> None:
        experiment = new_experiment(storage)
        assert storage.create_trial(experiment.id, EMPTY_DRAFT, limit=0) is None
        assert storage.trials(experiment.id) == []

    @pytest.mark.parametrize("state", NOT_FAILED_STATES, ids=lambda s: s.value)
    def test_complete_and_pruned_trials_count_against_limit(
        self, storage: Storage, state: TrialState
    ) -> None:
        experiment = new_experiment(storage)
        first = new_trial(storage, experiment.id, limit=2)
        second = new_trial(storage, experiment.id, limit=2)
        storage.finish_trial(first.id, state, value=1.0)
        storage.finish_trial(second.id, state, value=2.0)
        assert storage.create_trial(experiment.id, EMPTY_DRAFT, limit=2) is None
        assert new_trial(storage, experiment.id, limit=3).number == 2

    def test_failed_trial_frees_its_slot_and_its_number_is_not_reused(
        self, storage: Storage
    ) -> None:
        experiment = new_experiment(storage)
        new_trial(storage, experiment.id, limit=2)
        second = new_trial(storage, experiment.id, limit=2)
        assert storage.create_trial(experiment.id, EMPTY_DRAFT, limit=2) is None
        storage.finish_trial(second.id, TrialState.FAILED, reason="boom")
        third = storage.create_trial(experiment.id, EMPTY_DRAFT, limit=2)
        assert third is not None
        assert third.number == 2
        assert third.id != second.id
        assert storage.create_trial(experiment.id, EMPTY_DRAFT, limit=2) is None
        trials = storage.trials(experiment.id)
        assert numbers_of(trials) == [0, 1, 2]
        running, failed = TrialState.RUNNING, TrialState.FAILED
        assert [t.state for t in trials] == [running, failed, running]

    def test_finishing_a_failed_trial_again_frees_no_second_slot(self, storage: Storage) -> None:
        experiment = new_experiment(storage)
        first = new_trial(storage, experiment.id, limit=1)
        storage.finish_trial(first.id, TrialState.FAILED)
        with pytest.raises(TrialFinishedError):
            storage.finish_trial(first.id, TrialState.FAILED)
        new_trial(storage, experiment.id, limit=1)
        assert storage.create_trial(experiment.id, EMPTY_DRAFT, limit=1) is None

    def test_refinishing_a_complete_trial_as_failed_frees_no_slot(self, storage: Storage) -> None:
        experiment = new_experiment(storage)
        first = new_trial(storage, experiment.id, limit=1)
        storage.finish_trial(first.id, TrialState.COMPLETE, value=1.0)
        with pytest.raises(TrialFinishedError):
            storage.finish_trial(first.id, TrialState.FAILED)
        assert storage.create_trial(experiment.id, EMPTY_DRAFT, limit=1) is None

    def test_limit_counts_trials_of_each_experiment_separately(self, storage: Storage) -> None:
        one = new_experiment(storage, "one")
        two = new_experiment(storage, "two")
        new_trial(storage, one.id, limit=1)
        assert storage.create_trial(one.id, EMPTY_DRAFT, limit=1) is None
        assert new_trial(storage, two.id, limit=1).number == 0

    def test_limit_holds_across_clients(
        self, storage: Storage, second_client: Callable[[], Storage]
    ) -> None:
        other = second_client()
        experiment = new_experiment(storage)
        new_trial(storage, experiment.id, limit=2)
        second = new_trial(other, experiment.id, limit=2)
        assert storage.create_trial(experiment.id, EMPTY_DRAFT, limit=2) is None
        assert other.create_trial(experiment.id, EMPTY_DRAFT, limit=2) is None
        storage.finish_trial(second.id, TrialState.FAILED)
        assert new_trial(other, experiment.id, limit=2).number == 2

    # -- trials: retries ---------------------------------------------------------------------

    def test_retry_of_a_trial_is_created_once_and_names_it(self, storage: Storage) -> None:
        experiment = new_experiment(storage)
        failed = new_trial(storage, experiment.id)
        storage.finish_trial(failed.id, TrialState.FAILED, reason=LOST_WORKER)
        other = new_trial(storage, experiment.id)
        retry = storage.create_trial(experiment.id, draft_of(attrs={"k": 1}), retry_of=0)
        assert retry is not None and retry.attrs == {"k": 1, RETRY_OF: 0}
        assert storage.trial(retry.id).attrs == {"k": 1, RETRY_OF: 0}
        with pytest.raises(RetryExistsError, match="trial 0"):
            storage.create_trial(experiment.id, EMPTY_DRAFT, retry_of=0)
        assert numbers_of(storage.trials(experiment.id)) == [0, 1, 2]  # no number used
        assert storage.create_trial(experiment.id, EMPTY_DRAFT, retry_of=other.number)
        assert new_trial(storage, experiment.id).number == 4

    def test_retry_of_trial_1_is_not_taken_for_a_retry_of_trial_10(self, storage: Storage) -> None:
        experiment = new_experiment(storage)
        for _ in range(11):
            new_trial(storage, experiment.id)
        assert storage.create_trial(experiment.id, EMPTY_DRAFT, retry_of=10) is not None
        assert storage.create_trial(experiment.id, EMPTY_DRAFT, retry_of=1) is not None

    def test_racing_clients_create_one_retry(
        self, storage: Storage, second_client: Callable[[], Storage]
    ) -> None:
        experiment = new_experiment(storage)
        failed = new_trial(storage, experiment.id)
        storage.finish_trial(failed.id, TrialState.FAILED, reason=LOST_WORKER)
        clients = [second_client() for _ in range(4)]
        created: list[TrialRecord] = []
        refused: list[int] = []
        start = threading.Barrier(len(clients) * 2)

        def retry(client: Storage) -> None:
            start.wait()
            try:
                record = client.create_trial(experiment.id, EMPTY_DRAFT, retry_of=0)
            except RetryExistsError:
                refused.append(1)
            else:
                assert record is not None
                created.append(record)

        threads = [threading.Thread(target=retry, args=(c,)) for c in clients * 2]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert (len(created), len(refused)) == (1, len(threads) - 1)
        assert numbers_of(storage.trials(experiment.id)) == [0, 1]

    # -- reports -----------------------------------------------------------------------------

    def test_add_report_appends_steps_and_metrics_in_order(self, storage: Storage) -> None:
        experiment = new_experiment(storage)
        trial = new_trial(storage, experiment.id)
        sent = [
            (0, {"loss": 2.5, "acc": 0.1}),
            (1, {"loss": 1.5}),
            (5, {"acc": 0.7, "lr": 1e-3}),
            (3, {"loss": 0.5}),
        ]
        for step, metrics in sent:
            storage.add_report(trial.id, step, metrics)
        expected = tuple(Report(step, metrics) for step, metrics in sent)
        assert storage.trial(trial.id).reports == expected
        assert storage.trials(experiment.id)[0].reports == expected
        assert storage.trial(trial.id).state is TrialState.RUNNING

    def test_reports_go_to_their_own_trial(self, storage: Storage) -> None:
        experiment = new_experiment(storage)
        first = new_trial(storage, experiment.id)
        second = new_trial(storage, experiment.id)
        storage.add_report(first.id, 0, {"m": 1.0})
        storage.add_report(second.id, 0, {"m": 2.0})
        storage.add_report(first.id, 1, {"m": 3.0})
        assert storage.trial(first.id).reports == (Report(0, {"m": 1.0}), Report(1, {"m": 3.0}))
        assert storage.trial(second.id).reports == (Report(0, {"m": 2.0}),)

    def test_add_report_with_params_replaces_params_and_distributions(
        self, storage: Storage
    ) -> None:
        experiment = new_experiment(storage)
        trial = new_trial(
            storage,
            experiment.id,
            draft_of(params={"a": 1}, distributions={"a": {"type": "int", "low": 0, "high": 9}}),
        )
        new_distributions: dict[str, dict[str, Any]] = {
            "a": {"type": "int", "low": 0, "high": 9},
            "b": {"type": "categorical", "choices": ["x", "y"]},
        }
        storage.add_report(
            trial.id, 0, {"loss": 1.0}, params={"a": 2, "b": "y"}, distributions=new_distributions
        )
        record = storage.trial(trial.id)
        assert record.params == {"a": 2, "b": "y"}
        assert record.distributions == new_distributions
        assert record.reports == (Report(0, {"loss": 1.0}),)

    def test_add_report_without_params_keeps_params(self, storage: Storage) -> None:
        experiment = new_experiment(storage)
        distributions = {"a": {"type": "int", "low": 0, "high": 9}}
        trial = new_trial(
            storage, experiment.id, draft_of(params={"a": 1}, distributions=distributions)
        )
        storage.add_report(trial.id, 0, {"loss": 1.0})
        record = storage.trial(trial.id)
        assert (record.params, record.distributions) == ({"a": 1}, distributions)

    def test_add_report_with_a_rung_and_reason_sets_them_and_finish_keeps_the_rung(
        self, storage: Storage
    ) -> None:
        experiment = new_experiment(storage)
        trial = new_trial(storage, experiment.id, draft_of(bracket=1, rung=0))
        storage.add_report(trial.id, 3, {"acc": 0.5}, rung=1)
        assert (storage.trial(trial.id).rung, storage.trial(trial.id).reason) == (1, None)
        storage.add_report(trial.id, 9, {"acc": 0.6}, reason="asha: not in the top third")
        record = storage.trial(trial.id)
        assert (record.bracket, record.rung, record.reason) == (1, 1, "asha: not in the top third")
        storage.finish_trial(trial.id, TrialState.PRUNED, value=0.6, reason="stopped")
        assert (storage.trial(trial.id).rung, storage.trial(trial.id).reason) == (1, "stopped")

    def test_report_metrics_keep_nan_and_infinities(self, storage: Storage) -> None:
        experiment = new_experiment(storage)
        trial = new_trial(storage, experiment.id)
        storage.add_report(trial.id, 0, {"nan": math.nan, "inf": math.inf, "ninf": -math.inf})
        (report,) = storage.trial(trial.id).reports
        assert math.isnan(report.metrics["nan"])
        assert report.metrics["inf"] == math.inf
        assert report.metrics["ninf"] == -math.inf

    @pytest.mark.parametrize("state", FINISHED_STATES, ids=lambda s: s.value)
    def test_report_on_finished_trial_raises_and_changes_nothing(
        self, storage: Storage, state: TrialState
    ) -> None:
        experiment = new_experiment(storage)
        trial = new_trial(storage, experiment.id, draft_of(params={"a": 1}))
        storage.add_report(trial.id, 0, {"loss": 1.0})
        storage.finish_trial(trial.id, state, value=0.5)
        before = storage.trial(trial.id)
        with pytest.raises(TrialFinishedError):
            storage.add_report(trial.id, 1, {"loss": 0.1})
        with pytest.raises(TrialFinishedError):
            storage.add_report(trial.id, 2, {"loss": 0.1}, params={"a": 2}, distributions={})
        assert storage.trial(trial.id) == before
        assert storage.trials(experiment.id) == [before]

    def test_report_on_unknown_trial_raises_storage_error(self, storage: Storage) -> None:
        experiment = new_experiment(storage)
        trial = new_trial(storage, experiment.id)
        with pytest.raises(StorageError) as info:
            storage.add_report(trial.id + 1000, 0, {"loss": 1.0})
        assert not isinstance(info.value, TrialFinishedError)

    # -- finishing trials --------------------------------------------------------------------

    @pytest.mark.parametrize("state", FINISHED_STATES, ids=lambda s: s.value)
    def test_finish_trial_moves_running_to_a_finished_state(
        self, storage: Storage, state: TrialState
    ) -> None:
        experiment = new_experiment(storage)
        trial = new_trial(storage, experiment.id, draft_of(params={"a": 1}))
        storage.finish_trial(
            trial.id, state, value=0.75, metrics={"acc": 0.75, "loss": 0.3}, reason="why"
        )
        record = storage.trial(trial.id)
        assert record.state is state
        assert record.value == 0.75
        assert record.metrics == {"acc": 0.75, "loss": 0.3}
        assert record.reason == "why"
        assert record.params == {"a": 1}
        assert record.finished_at is not None

    def test_finish_trial_without_value_stores_none(self, storage: Storage) -> None:
        experiment = new_experiment(storage)
        trial = new_trial(storage, experiment.id)
        storage.finish_trial(trial.id, TrialState.FAILED, reason="crashed")
        record = storage.trial(trial.id)
        assert (record.state, record.value, record.metrics) == (TrialState.FAILED, None, {})
        assert record.reason == "crashed"

    def test_finish_trial_with_params_replaces_params_and_distributions(
        self, storage: Storage
    ) -> None:
        experiment = new_experiment(storage)
        trial = new_trial(storage, experiment.id, draft_of(params={"a": 1}))
        distributions = {"a": {"type": "int", "low": 0, "high": 3}, "b": {"type": "int", "low": 0}}
        storage.finish_trial(
            trial.id,
            TrialState.COMPLETE,
            value=1.0,
            params={"a": 3, "b": 0},
            distributions=distributions,
        )
        record = storage.trial(trial.id)
        assert (record.params, record.distributions) == ({"a": 3, "b": 0}, distributions)

    @pytest.mark.parametrize("second", FINISHED_STATES, ids=lambda s: f"then-{s.value}")
    @pytest.mark.parametrize("first", FINISHED_STATES, ids=lambda s: s.value)
    def test_second_finish_raises_and_changes_nothing(
        self, storage: Storage, first: TrialState, second: TrialState
    ) -> None:
        experiment = new_experiment(storage)
        trial = new_trial(storage, experiment.id, draft_of(params={"a": 1}, attrs={"x": 1}))
        storage.add_report(trial.id, 0, {"loss": 1.0})
        storage.finish_trial(
            trial.id, first, value=0.5, metrics={"loss": 0.5}, reason="first", attrs={"y": 1}
        )
        before = storage.trial(trial.id)
        with pytest.raises(TrialFinishedError):
            storage.finish_trial(
                trial.id,
                second,
                value=9.0,
                metrics={"loss": 9.0},
                params={"a": 2},
                distributions={"a": {"type": "int", "low": 0, "high": 2}},
                reason="second",
                attrs={"x": 2, "z": 3},
            )
        after = storage.trial(trial.id)
        assert after == before
        assert (after.state, after.value, after.finished_at) == (
            first,
            0.5,
            before.finished_at,
        )
        assert after.attrs == {"x": 1, "y": 1}
        assert storage.trials(experiment.id) == [before]

    def test_finish_as_running_raises_and_leaves_the_trial_running(self, storage: Storage) -> None:
        experiment = new_experiment(storage)
        trial = new_trial(storage, experiment.id)
        with pytest.raises(StorageError):
            storage.finish_trial(trial.id, TrialState.RUNNING, value=1.0)
        record = storage.trial(trial.id)
        assert (record.state, record.value, record.finished_at) == (TrialState.RUNNING, None, None)
        storage.finish_trial(trial.id, TrialState.COMPLETE, value=2.0)
        assert storage.trial(trial.id).value == 2.0

    def test_finish_of_unknown_trial_raises_storage_error(self, storage: Storage) -> None:
        experiment = new_experiment(storage)
        trial = new_trial(storage, experiment.id)
        with pytest.raises(StorageError) as info:
            storage.finish_trial(trial.id + 1000, TrialState.COMPLETE, value=1.0)
        assert not isinstance(info.value, TrialFinishedError)
        with pytest.raises(StorageError):
            storage.finish_trial(trial.id + 1000, TrialState.FAILED, attrs={"a": 1})

    @pytest.mark.parametrize("value", [math.inf, -math.inf], ids=["+inf", "-inf"])
    def test_infinite_values_are_stored_exactly(
        self, storage: Storage, second_client: Callable[[], Storage], value: float
    ) -> None:
        experiment = new_experiment(storage)
        trial = new_trial(storage, experiment.id)
        storage.finish_trial(trial.id, TrialState.COMPLETE, value=value, metrics={"m": value})
        for client in (storage, second_client()):
            for record in (client.trial(trial.id), client.trials(experiment.id)[0]):
                assert record.value == value
                assert record.metrics == {"m": value}

    def test_extreme_finite_values_are_stored_exactly(self, storage: Storage) -> None:
        experiment = new_experiment(storage)
        values = [1.7976931348623157e308, 5e-324, -0.1, 0.1 + 0.2, 1 / 3]
        ids = [new_trial(storage, experiment.id).id for _ in values]
        for trial_id, value in zip(ids, values, strict=True):
            storage.finish_trial(trial_id, TrialState.COMPLETE, value=value)
        assert [t.value for t in storage.trials(experiment.id)] == values

    def test_nan_inside_metrics_survives_finish(
        self, storage: Storage, second_client: Callable[[], Storage]
    ) -> None:
        experiment = new_experiment(storage)
        trial = new_trial(storage, experiment.id)
        storage.finish_trial(
            trial.id,
            TrialState.FAILED,
            metrics={"loss": math.nan, "acc": 0.5},
            reason="objective returned NaN",
        )
        for client in (storage, second_client()):
            for record in (client.trial(trial.id), client.trials(experiment.id)[0]):
                assert math.isnan(record.metrics["loss"])
                assert record.metrics["acc"] == 0.5

    def test_finish_attrs_merge_with_creation_attrs(self, storage: Storage) -> None:
        experiment = new_experiment(storage)
        trial = new_trial(
            storage, experiment.id, draft_of(attrs={"from_draft": 1, "overwritten": "draft"})
        )
        storage.finish_trial(
            trial.id,
            TrialState.FAILED,
            attrs={"traceback": "Traceback ...", "overwritten": "finish"},
        )
        assert storage.trial(trial.id).attrs == {
            "from_draft": 1,
            "overwritten": "finish",
            "traceback": "Traceback ...",
        }

    def test_finish_without_attrs_keeps_creation_attrs(self, storage: Storage) -> None:
        experiment = new_experiment(storage)
        trial = new_trial(storage, experiment.id, draft_of(attrs={"from_draft": 1}))
        storage.finish_trial(trial.id, TrialState.COMPLETE, value=1.0)
        assert storage.trial(trial.id).attrs == {"from_draft": 1}

    def test_finished_trial_has_finish_time_and_duration(self, storage: Storage) -> None:
        experiment = new_experiment(storage)
        trial = new_trial(storage, experiment.id)
        storage.finish_trial(trial.id, TrialState.COMPLETE, value=1.0)
        record = storage.trial(trial.id)
        assert record.created_at == trial.created_at
        assert record.finished_at is not None
        assert record.finished_at >= record.created_at
        assert record.duration is not None
        assert record.duration >= 0.0

    # -- reading trials ----------------------------------------------------------------------

    def test_trials_of_experiment_without_trials_is_empty(self, storage: Storage) -> None:
        one = new_experiment(storage, "one")
        two = new_experiment(storage, "two")
        new_trial(storage, two.id)
        assert storage.trials(one.id) == []

    def test_trials_are_ordered_by_number(self, storage: Storage) -> None:
        experiment = new_experiment(storage)
        other = new_experiment(storage)
        created = []
        for i in range(6):
            created.append(new_trial(storage, experiment.id))
            new_trial(storage, other.id)
            if i % 2:
                storage.add_report(created[i - 1].id, 0, {"m": float(i)})
        for index in (4, 1, 5, 0):
            storage.finish_trial(created[index].id, TrialState.COMPLETE, value=float(index))
        assert numbers_of(storage.trials(experiment.id)) == [0, 1, 2, 3, 4, 5]
        storage.finish_trial(created[2].id, TrialState.PRUNED, value=2.0)
        new_trial(storage, experiment.id)
        assert numbers_of(storage.trials(experiment.id)) == [0, 1, 2, 3, 4, 5, 6]

    def test_trials_filter_by_states(self, storage: Storage) -> None:
        experiment = new_experiment(storage)
        states = [
            TrialState.COMPLETE,
            TrialState.RUNNING,
            TrialState.FAILED,
            TrialState.PRUNED,
            TrialState.COMPLETE,
            TrialState.RUNNING,
        ]
        for state in states:
            trial = new_trial(storage, experiment.id)
            if state.is_finished:
                storage.finish_trial(trial.id, state, value=1.0)

        def listed(*wanted: TrialState) -> list[int]:
            return numbers_of(storage.trials(experiment.id, wanted))

        assert listed(TrialState.COMPLETE) == [0, 4]
        assert listed(TrialState.RUNNING) == [1, 5]
        assert listed(TrialState.FAILED) == [2]
        assert listed(TrialState.COMPLETE, TrialState.PRUNED) == [0, 3, 4]
        assert listed() == []
        assert numbers_of(storage.trials(experiment.id, set(TrialState))) == [0, 1, 2, 3, 4, 5]
        assert numbers_of(storage.trials(experiment.id, None)) == [0, 1, 2, 3, 4, 5]
        assert [t.state for t in storage.trials(experiment.id)] == states

    def test_trials_reflect_reports_and_finish_made_after_listing(self, storage: Storage) -> None:
        experiment = new_experiment(storage)
        trial = new_trial(storage, experiment.id)
        assert storage.trials(experiment.id)[0].reports == ()
        storage.add_report(trial.id, 0, {"loss": 1.0})
        assert storage.trials(experiment.id)[0].reports == (Report(0, {"loss": 1.0}),)
        storage.finish_trial(trial.id, TrialState.COMPLETE, value=1.0)
        (record,) = storage.trials(experiment.id)
        assert (record.state, record.value) == (TrialState.COMPLETE, 1.0)
        assert record == storage.trial(trial.id)

    def test_trials_show_reports_added_through_a_second_client(
        self, storage: Storage, second_client: Callable[[], Storage]
    ) -> None:
        other = second_client()
        experiment = new_experiment(storage)
        trial = new_trial(storage, experiment.id)
        assert storage.trials(experiment.id)[0].reports == ()
        other.add_report(trial.id, 0, {"loss": 1.0})
        assert storage.trials(experiment.id)[0].reports == (Report(0, {"loss": 1.0}),)
        other.add_report(trial.id, 1, {"loss": 0.5}, params={"p": 1}, distributions={})
        (record,) = storage.trials(experiment.id)
        assert record.reports == (Report(0, {"loss": 1.0}), Report(1, {"loss": 0.5}))
        assert record.params == {"p": 1}
        assert record.state is TrialState.RUNNING

    def test_trials_show_a_listed_running_trial_finished_through_a_second_client(
        self, storage: Storage, second_client: Callable[[], Storage]
    ) -> None:
        other = second_client()
        experiment = new_experiment(storage)
        trial = new_trial(storage, experiment.id, draft_of(attrs={"a": 1}))
        (listed,) = storage.trials(experiment.id)
        assert listed.state is TrialState.RUNNING
        other.add_report(trial.id, 0, {"loss": 0.8})
        other.finish_trial(
            trial.id, TrialState.COMPLETE, value=0.25, metrics={"loss": 0.25}, attrs={"b": 2}
        )
        (record,) = storage.trials(experiment.id)
        assert record.state is TrialState.COMPLETE
        assert record.value == 0.25
        assert record.metrics == {"loss": 0.25}
        assert record.reports == (Report(0, {"loss": 0.8}),)
        assert record.attrs == {"a": 1, "b": 2}
        assert record.finished_at is not None
        assert record == other.trial(trial.id) == storage.trial(trial.id)
        assert storage.trials(experiment.id, [TrialState.RUNNING]) == []
        assert storage.trials(experiment.id, [TrialState.COMPLETE]) == [record]

    def test_state_filter_sees_changes_made_through_a_second_client(
        self, storage: Storage, second_client: Callable[[], Storage]
    ) -> None:
        other = second_client()
        experiment = new_experiment(storage)
        first = new_trial(storage, experiment.id)
        second = new_trial(storage, experiment.id)
        assert numbers_of(storage.trials(experiment.id, [TrialState.RUNNING])) == [0, 1]
        other.finish_trial(first.id, TrialState.PRUNED, value=1.0)
        assert numbers_of(storage.trials(experiment.id, [TrialState.RUNNING])) == [1]
        assert numbers_of(storage.trials(experiment.id, [TrialState.PRUNED])) == [0]
        other.finish_trial(second.id, TrialState.FAILED)
        assert storage.trials(experiment.id, [TrialState.RUNNING]) == []
        assert numbers_of(storage.trials(experiment.id, [TrialState.FAILED])) == [1]

    def test_trials_show_trials_created_through_a_second_client(
        self, storage: Storage, second_client: Callable[[], Storage]
    ) -> None:
        other = second_client()
        experiment = new_experiment(storage)
        done = new_trial(storage, experiment.id)
        storage.finish_trial(done.id, TrialState.COMPLETE, value=1.0)
        new_trial(storage, experiment.id)
        assert numbers_of(storage.trials(experiment.id)) == [0, 1]
        late = new_trial(other, experiment.id, draft_of(params={"x": 1}), worker="b")
        other.add_report(late.id, 0, {"m": 1.0})
        new_trial(other, experiment.id)
        listed = storage.trials(experiment.id)
        assert numbers_of(listed) == [0, 1, 2, 3]
        assert listed[2].params == {"x": 1}
        assert listed[2].worker == "b"
        assert listed[2].reports == (Report(0, {"m": 1.0}),)
        other.finish_trial(late.id, TrialState.COMPLETE, value=3.0)
        listed = storage.trials(experiment.id)
        assert (listed[2].state, listed[2].value) == (TrialState.COMPLETE, 3.0)
        assert listed == other.trials(experiment.id)

    def test_trials_of_one_experiment_ignore_another_experiments_changes(
        self, storage: Storage, second_client: Callable[[], Storage]
    ) -> None:
        other = second_client()
        one = new_experiment(storage, "one")
        two = new_experiment(storage, "two")
        kept = new_trial(storage, one.id)
        assert numbers_of(storage.trials(one.id)) == [0]
        for _ in range(3):
            new_trial(other, two.id)
        assert storage.trials(one.id) == [storage.trial(kept.id)]
        assert numbers_of(storage.trials(two.id)) == [0, 1, 2]

    def test_trial_returns_the_same_record_as_trials(self, storage: Storage) -> None:
        experiment = new_experiment(storage)
        running = new_trial(storage, experiment.id, draft_of(params={"a": 1}, attrs={"b": 2}))
        storage.add_report(running.id, 3, {"loss": 0.5})
        finished = new_trial(storage, experiment.id, draft_of(fidelity={"epochs": 3}))
        storage.add_report(finished.id, 0, {"loss": 0.5})
        storage.finish_trial(
            finished.id, TrialState.PRUNED, value=0.5, metrics={"loss": 0.5}, reason="stopped"
        )
        listed = storage.trials(experiment.id)
        assert [storage.trial(t.id) for t in listed] == listed
        assert [t.id for t in listed] == [running.id, finished.id]

    def test_outlines_hold_what_ranking_reads_of_every_trial_in_number_order(
        self, storage: Storage, second_client: Callable[[], Storage]
    ) -> None:
        experiment = new_experiment(storage)
        new_experiment(storage)  # another experiment's trials stay out
        ids = [new_trial(storage, experiment.id).id for _ in range(4)]
        storage.add_report(ids[0], 1, {"loss": 0.5})
        storage.finish_trial(ids[0], TrialState.COMPLETE, value=0.25, metrics={"params": 3.0})
        storage.finish_trial(ids[1], TrialState.PRUNED, value=0.5, reason="stopped")
        storage.finish_trial(ids[2], TrialState.FAILED, reason="boom")
        expected = [
            TrialOutline(t.id, t.number, t.state, t.value, dict(t.metrics))
            for t in storage.trials(experiment.id)
        ]
        assert [o.state for o in expected][:3] == [
            TrialState.COMPLETE,
            TrialState.PRUNED,
            TrialState.FAILED,
        ]
        assert storage.outlines(experiment.id) == expected
        assert second_client().outlines(experiment.id) == expected
        bare = storage.outlines(experiment.id, metrics=False)
        assert [(o.id, o.number, o.state, o.value) for o in bare] == [
            (o.id, o.number, o.state, o.value) for o in expected
        ]
        assert all(o.metrics == {} for o in bare)
        assert storage.outlines(new_experiment(storage).id) == []
        with pytest.raises(ExperimentNotFoundError):
            storage.outlines(experiment.id + 1000)

    def test_trials_by_id_returns_full_records_in_the_order_asked(self, storage: Storage) -> None:
        experiment = new_experiment(storage)
        first = new_trial(storage, experiment.id, draft_of(params={"a": 1}))
        second = new_trial(storage, experiment.id)
        storage.add_report(first.id, 2, {"loss": 0.1})
        storage.finish_trial(first.id, TrialState.COMPLETE, value=1.0)
        assert storage.trials_by_id([second.id, first.id]) == [
            storage.trial(second.id),
            storage.trial(first.id),
        ]
        assert storage.trials_by_id([first.id])[0].reports == (Report(2, {"loss": 0.1}),)
        assert storage.trials_by_id([]) == []
        with pytest.raises(StorageError):
            storage.trials_by_id([first.id, second.id + 1000])

    def test_trial_with_unknown_id_raises_storage_error(self, storage: Storage) -> None:
        experiment = new_experiment(storage)
        trial = new_trial(storage, experiment.id)
        with pytest.raises(StorageError):
            storage.trial(trial.id + 1000)

    # -- concurrency within a process --------------------------------------------------------

    def test_threads_creating_trials_get_unique_consecutive_numbers(self, storage: Storage) -> None:
        experiment = new_experiment(storage)
        threads, per_thread = 8, 25
        start = threading.Barrier(threads, timeout=60)

        def create(worker: int) -> list[int]:
            start.wait()
            return [
                new_trial(storage, experiment.id, worker=f"thread-{worker}").number
                for _ in range(per_thread)
            ]

        with ThreadPoolExecutor(threads) as pool:
            results = list(pool.map(create, range(threads)))
        numbers = sorted(n for result in results for n in result)
        assert numbers == list(range(threads * per_thread))
        for result in results:
            assert result == sorted(result)
        listed = storage.trials(experiment.id)
        assert numbers_of(listed) == list(range(threads * per_thread))
        assert len({t.id for t in listed}) == threads * per_thread
        for worker in range(threads):
            assert sum(t.worker == f"thread-{worker}" for t in listed) == per_thread

    def test_threads_creating_trials_respect_the_limit(self, storage: Storage) -> None:
        experiment = new_experiment(storage)
        threads, per_thread, limit = 8, 10, 30
        start = threading.Barrier(threads, timeout=60)

        def create(_: int) -> list[int]:
            start.wait()
            made = [
                storage.create_trial(experiment.id, EMPTY_DRAFT, limit=limit)
                for _ in range(per_thread)
            ]
            return [record.number for record in made if record is not None]

        with ThreadPoolExecutor(threads) as pool:
            results = list(pool.map(create, range(threads)))
        assert sorted(n for result in results for n in result) == list(range(limit))
        assert numbers_of(storage.trials(experiment.id)) == list(range(limit))

    def test_threads_reporting_and_finishing_different_trials_lose_nothing(
        self, storage: Storage
    ) -> None:
        experiment = new_experiment(storage)
        threads, steps = 8, 10
        created = [new_trial(storage, experiment.id) for _ in range(threads)]
        start = threading.Barrier(threads, timeout=60)

        def run(index: int) -> None:
            start.wait()
            trial_id = created[index].id
            for step in range(steps):
                storage.add_report(trial_id, step, {"m": float(index * 100 + step)})
                storage.trials(experiment.id)
            storage.finish_trial(trial_id, TrialState.COMPLETE, value=float(index))

        with ThreadPoolExecutor(threads) as pool:
            list(pool.map(run, range(threads)))
        listed = storage.trials(experiment.id)
        assert [t.state for t in listed] == [TrialState.COMPLETE] * threads
        assert [t.value for t in listed] == [float(i) for i in range(threads)]
        for index, record in enumerate(listed):
            assert record.reports == tuple(
                Report(step, {"m": float(index * 100 + step)}) for step in range(steps)
            )
