"""Random search, regularized evolution and TPE propose valid members of the zoo and union
spaces (a dedicated check: the full conformance suite over these spaces costs too long)."""

from __future__ import annotations

from typing import Any

import pytest

from netsynth.experiment_factory import create_experiment
from netsynth.storage.in_memory import InMemoryStorage
from netsynth.testing.strategy_suite import SMALL, TRIALS, drive

SPACES: dict[str, dict[str, Any]] = {
    "zoo": {"type": "zoo"},
    "union": {"type": "union", "of": ["zoo", {"type": "chain", "max_layers": 3}]},
}


@pytest.mark.parametrize("space", sorted(SPACES))
@pytest.mark.parametrize("strategy", ["random", "evolution", "tpe"])
def test_proposes_valid_zoo_and_union_candidates(strategy: str, space: str) -> None:
    experiment = create_experiment(
        "zoo-suite",
        storage=InMemoryStorage(),
        architecture=SPACES[space],
        strategy={"name": strategy, **SMALL.get(strategy, {})},
        direction="maximize",
        seed=3,
    )
    drive(experiment, TRIALS)
    flat, architecture = experiment.space, experiment.architecture
    assert flat is not None and architecture is not None
    for trial in experiment.trials():
        assert trial.params == flat.active_only(trial.params), "inactive params proposed"
        flat.validate(trial.params)
        genotype, training = architecture.decode(trial.params)
        assert architecture.params_of(genotype, training) == trial.params
