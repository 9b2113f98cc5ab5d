"""The executor a run uses, by name or from the experiment's stored choice."""

from __future__ import annotations

import pytest

import netsynth
from netsynth.runner.executors import make_executor
from netsynth.runner.inline import InlineExecutor
from netsynth.runner.process_pool import ProcessPoolExecutor


def test_one_worker_runs_inline_and_more_in_a_process_pool() -> None:
    assert isinstance(make_executor(None, None, {}), InlineExecutor)
    pool = make_executor(None, 3, {})
    assert isinstance(pool, ProcessPoolExecutor) and pool.capacity == 3


def test_the_stored_choice_is_used_when_none_is_given() -> None:
    pool = make_executor(None, None, {"executor": "process", "workers": 2})
    assert isinstance(pool, ProcessPoolExecutor) and pool.capacity == 2


def test_an_executor_object_is_used_as_given() -> None:
    executor = InlineExecutor()
    assert make_executor(executor, 4, {}) is executor


def test_inline_refuses_several_workers_and_an_unknown_name_is_named() -> None:
    with pytest.raises(netsynth.ExperimentError, match="one trial at a time"):
        make_executor("inline", 2, {})
    with pytest.raises(netsynth.ExperimentError, match="unknown executor 'gpu'"):
        make_executor("gpu", 1, {})
