"""The conformance suite every search strategy passes, on every kind of space.

A strategy conforms when, for a flat HPO space with conditional parameters and for each
architecture space (chain, DAG, cell, NAS-Bench-201 cell):

- every candidate it proposes is a valid member of the space (only active params, each in
  its distribution);
- it is reproducible: the same seed and history give the same candidates, in this process and
  in a fresh one;
- after a crash (the experiment object and the strategy are dropped mid-search) and a resume
  from storage, it proposes exactly what an uninterrupted run would.

Run it from a test module::

    from netsynth.testing.strategy_suite import *  # noqa: F403

or call ``drive`` / ``propose_sequence`` directly for one strategy.
"""

from __future__ import annotations

import copy
import functools
import hashlib
import json
import subprocess
import sys
from collections.abc import Mapping
from typing import Any

import pytest

from netsynth.experiment import Experiment
from netsynth.experiment_factory import create_experiment, load_experiment
from netsynth.space.distributions import ParamValue
from netsynth.storage.in_memory import InMemoryStorage
from netsynth.strategies.registry import STRATEGIES

# A flat space with a conditional child, a log float, a stepped int and a categorical.
FLAT_SPACE: dict[str, dict[str, Any]] = {
    "optimizer": {"type": "categorical", "choices": ["sgd", "adam"]},
    "momentum": {
        "type": "float",
        "low": 0.0,
        "high": 0.99,
        "condition": {"parent": "optimizer", "values": ["sgd"]},
    },
    "lr": {"type": "float", "low": 1e-4, "high": 1e-1, "log": True},
    "layers": {"type": "int", "low": 1, "high": 8, "step": 1},
    "width": {"type": "categorical", "choices": [16, 32, 64]},
}

# Small architecture spaces of each kind (training hyperparameters searched along).
ARCHITECTURES: dict[str, dict[str, Any]] = {
    "chain": {"type": "chain", "max_layers": 3},
    "dag": {"type": "dag"},
    "cell": {"type": "cell"},
    "nb201": {"type": "nb201", "init_channels": 4, "cells_per_stage": 1},
}

SPACES = ("flat", *ARCHITECTURES)

# Settings that keep each strategy's model-based phase within a short test.
SMALL: dict[str, dict[str, Any]] = {
    "evolution": {"population": 6, "sample_size": 3},
    "bananas": {"warmup": 5, "candidates": 20},
    "tpe": {"n_startup_trials": 5},
    "bohb": {"min_points": 5},
    "gp": {"n_startup_trials": 10},
    "grid": {"points": 2},
    "cmaes": {"n_startup_trials": 5},
    "nsga2": {"population_size": 6},
    "reinforce": {"checkpoint_every": 3},
}


def synthetic_value(params: Mapping[str, ParamValue]) -> float:
    """A deterministic score in [0, 1) for any params: a stand-in objective."""
    text = json.dumps(dict(params), sort_keys=True, default=str)
    return int(hashlib.sha256(text.encode()).hexdigest()[:12], 16) / 16**12


# Spaces whose grid, even at two points per number, is too large to enumerate.
NO_GRID = ("chain", "dag", "cell")


def make(strategy: str, space: str, storage: InMemoryStorage, name: str = "suite") -> Experiment:
    if strategy == "grid" and space in NO_GRID:
        pytest.skip(f"the {space} space has too many points for a grid")
    config = {"name": strategy, **SMALL.get(strategy, {})}
    if space == "flat":
        return create_experiment(
            name,
            storage=storage,
            parameters=FLAT_SPACE,
            strategy=config,
            direction="maximize",
            seed=3,
        )
    return create_experiment(
        name,
        storage=storage,
        architecture=ARCHITECTURES[space],
        strategy=config,
        direction="maximize",
        seed=3,
    )


def drive(experiment: Experiment, trials: int) -> None:
    """Ask and tell ``trials`` trials, each scored by ``synthetic_value``."""
    for _ in range(trials):
        trial = experiment.ask()
        experiment.tell(trial, synthetic_value(trial.params))


def propose_sequence(strategy: str, space: str, trials: int) -> list[dict[str, ParamValue]]:
    storage = InMemoryStorage()
    drive(make(strategy, space, storage), trials)
    experiment = load_experiment("suite", storage=storage)
    return [t.params for t in sorted(experiment.trials(), key=lambda t: t.number)]


TRIALS = 14  # past every strategy's random warm-up under SMALL settings


@functools.cache
def _uninterrupted_run(strategy: str, space: str) -> list[dict[str, ParamValue]]:
    return propose_sequence(strategy, space, TRIALS)


def uninterrupted(strategy: str, space: str) -> list[dict[str, ParamValue]]:
    """``propose_sequence(strategy, space, TRIALS)``, computed once per process for the tests
    below (a model-based strategy takes seconds), a fresh copy each time."""
    return copy.deepcopy(_uninterrupted_run(strategy, space))


@pytest.mark.parametrize("space", SPACES)
@pytest.mark.parametrize("strategy", sorted(STRATEGIES))
def test_proposes_valid_candidates(strategy: str, space: str) -> None:
    experiment = make(strategy, space, InMemoryStorage())
    flat = experiment.space
    assert flat is not None
    for params in uninterrupted(strategy, space):
        assert params == flat.active_only(params), "inactive params proposed"
        flat.validate(params)
        if experiment.architecture is not None:
            experiment.architecture.decode(params)  # a genotype the space can build


@pytest.mark.parametrize("space", SPACES)
@pytest.mark.parametrize("strategy", sorted(STRATEGIES))
def test_resume_after_crash_proposes_what_an_uninterrupted_run_would(
    strategy: str, space: str
) -> None:
    expected = uninterrupted(strategy, space)
    storage = InMemoryStorage()
    drive(make(strategy, space, storage), TRIALS // 2)
    # The crash: the experiment and its strategy are gone; only storage remains.
    resumed = load_experiment("suite", storage=storage)
    drive(resumed, TRIALS - TRIALS // 2)
    after = [t.params for t in sorted(resumed.trials(), key=lambda t: t.number)]
    assert after == expected


_FRESH_PROCESS = """
import json, sys
from netsynth.testing.strategy_suite import propose_sequence
out = {name: propose_sequence(name, "nb201", int(sys.argv[1])) for name in json.loads(sys.argv[2])}
print(json.dumps(out))
"""


def test_every_strategy_is_reproducible_in_a_fresh_process() -> None:
    names = sorted(STRATEGIES)
    here = {name: uninterrupted(name, "nb201") for name in names}
    assert all(len({json.dumps(p, sort_keys=True) for p in seq}) > 1 for seq in here.values())
    done = subprocess.run(
        [sys.executable, "-c", _FRESH_PROCESS, str(TRIALS), json.dumps(names)],
        capture_output=True,
        text=True,
        timeout=600,
        check=True,
    )
    there = json.loads(done.stdout.strip().splitlines()[-1])
    for name in names:
        assert there[name] == json.loads(json.dumps(here[name])), name
