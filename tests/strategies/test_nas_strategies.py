"""Regularized evolution, the REINFORCE controller and predictor-guided search: what each
promises beyond the shared conformance suite."""

from __future__ import annotations

import functools

import numpy as np
import pytest

from netsynth import create_experiment, load_experiment
from netsynth.storage.in_memory import InMemoryStorage
from netsynth.strategies.registry import make_strategy

NB201 = {
    "type": "nb201",
    "init_channels": 4,
    "cells_per_stage": 1,
    "ops": ["none", "skip_connect", "conv_3x3", "avg_pool_3x3"],
    "training": {
        "optimizer": "sgd",
        "lr": 0.1,
        "batch_size": 128,
        "momentum": 0.9,
        "weight_decay": 0.0005,
        "epochs": 12,
        "augment": 0.0,
        "schedule": "cosine",
    },
}


def convs(trial) -> float:  # type: ignore[no-untyped-def]
    """A toy objective on NB201 cells: more 3x3 convs is better, skips help a little."""
    ops = [trial.params[f"e{k}"] for k in range(6)]
    return ops.count("conv_3x3") + 0.3 * ops.count("skip_connect")


def search(strategy: str | dict, seed: int, trials: int = 60, storage=None):  # type: ignore[no-untyped-def]
    experiment = create_experiment(
        "s",
        storage=storage or InMemoryStorage(),
        architecture=NB201,
        strategy=strategy,
        direction="maximize",
        seed=seed,
    )
    experiment.run(convs, max_trials=trials, progress=False)
    return experiment


def test_evolution_children_name_their_parent_and_differ_by_one_mutation() -> None:
    experiment = search({"name": "evolution", "population": 10, "sample_size": 3}, seed=0)
    trials = {t.number: t for t in experiment.trials()}
    children = [t for t in trials.values() if t.attrs.get("origin") == "mutation"]
    assert len(children) == 50 and all(t.number >= 10 for t in children)
    for child in children:
        parent = trials[child.attrs["parent"]]
        assert parent.number < child.number
        changed = [k for k in range(6) if child.params[f"e{k}"] != parent.params[f"e{k}"]]
        assert len(changed) == 1


def test_evolution_ages_out_its_population() -> None:
    experiment = search({"name": "evolution", "population": 10, "sample_size": 10}, seed=1)
    for child in experiment.trials():
        if "parent" in child.attrs:  # the tournament only sees the 10 most recent trials
            assert child.number - 10 <= child.attrs["parent"] < child.number


@functools.cache
def mean_best(strategy: str) -> float:
    """The best value of a 60-trial search, averaged over four seeds (once per strategy)."""
    return float(np.mean([search(strategy, seed).best_trial.value for seed in range(4)]))


@pytest.mark.parametrize("name", ["evolution", "reinforce", "bananas"])
def test_nas_strategies_beat_random_on_a_toy_objective(name: str) -> None:
    assert mean_best(name) > mean_best("random")


def test_reinforce_saves_its_policy_to_storage_and_resumes_it() -> None:
    storage = InMemoryStorage()
    search({"name": "reinforce", "checkpoint_every": 5}, seed=2, trials=23, storage=storage)
    experiment = load_experiment("s", storage=storage)
    saved = [t for t in experiment.trials() if "controller" in t.attrs]
    assert [t.number for t in saved] == [0, 5, 10, 15, 20]
    newest = saved[-1].attrs["controller"]
    assert newest["seen"] == list(range(20))  # learned from every finished trial, in order
    # A fresh strategy restores the checkpoint and replays trials 20..22, as the live one did.
    fresh = make_strategy({"name": "reinforce", "checkpoint_every": 5}, seed=2, context=None)
    live = make_strategy({"name": "reinforce", "checkpoint_every": 5}, seed=2, context=None)
    history = experiment.trials()
    assert fresh.propose(experiment.space, history, [23]) == live.propose(
        experiment.space, history, [23]
    )
    assert fresh._seen == list(range(23))  # type: ignore[attr-defined]


def test_reinforce_policy_concentrates_on_what_scores_well() -> None:
    experiment = search({"name": "reinforce", "learning_rate": 0.05}, seed=0, trials=150)
    trials = sorted(experiment.trials(), key=lambda t: t.number)
    first, last = trials[:30], trials[-30:]
    assert np.mean([convs(t) for t in last]) > np.mean([convs(t) for t in first]) + 0.5


def test_bananas_records_its_prediction_and_never_repeats_a_cell() -> None:
    experiment = search({"name": "bananas", "warmup": 8, "candidates": 30}, seed=3, trials=40)
    trials = experiment.trials()
    guided = [t for t in trials if t.attrs.get("origin") == "mutation"]
    assert len(guided) == 32 and all("predicted" in t.attrs for t in guided)
    space = experiment.architecture
    assert space is not None
    hashes = [space.decode(t.params)[0].hash() for t in trials]
    assert len(set(hashes)) == len(hashes)


def test_bad_settings_are_clear_errors() -> None:
    with pytest.raises(ValueError, match="sample_size"):
        make_strategy({"name": "evolution", "population": 5, "sample_size": 9}, seed=0)
    with pytest.raises(ValueError, match="acquisition"):
        make_strategy({"name": "bananas", "acquisition": "ei"}, seed=0)
    with pytest.raises(ValueError, match="unknown setting"):
        make_strategy({"name": "reinforce", "hiden": 3}, seed=0)


def test_show_traces_a_childs_lineage_back_to_a_random_ancestor() -> None:
    from netsynth.display.trial_detail import trial_lines

    experiment = search({"name": "evolution", "population": 5, "sample_size": 2}, seed=4, trials=30)
    child = max(experiment.trials(), key=lambda t: t.number)
    text = "\n".join(trial_lines(experiment, child))
    assert f"origin: mutation of {child.attrs['parent']}" in text
    assert text.split("origin: ")[1].splitlines()[0].endswith("(random)")


def curve_convs(trial) -> float:  # type: ignore[no-untyped-def]
    """``convs`` learnt over 9 epochs: the value after epoch e is e/9 of it, so a rung-based
    scheduler can stop most candidates after an epoch or three."""
    final = convs(trial)
    for epoch in range(1, 10):
        trial.report(epoch, value=final * epoch / 9)
        if trial.should_stop():
            return final * epoch / 9
    return final


def test_evolution_under_asha_breeds_from_the_trials_asha_stopped() -> None:
    experiment = create_experiment(
        "s",
        storage=InMemoryStorage(),
        architecture=NB201,
        strategy={"name": "evolution", "population": 8, "sample_size": 3},
        scheduler={"name": "asha", "max_resource": 9, "reduction_factor": 3},
        direction="maximize",
        seed=0,
    )
    experiment.run(curve_convs, max_trials=60, progress=False)
    trials = {t.number: t for t in experiment.trials()}
    assert sum(t.state.value == "PRUNED" for t in trials.values()) > 30  # ASHA stopped most
    children = [t for t in trials.values() if t.attrs.get("origin") == "mutation"]
    assert len(children) >= 40  # evolution did not stay random search
    # A parent is the tournament's best: trained furthest among the members drawn, so a
    # candidate ASHA stopped after one epoch is a parent only when nothing sampled went on.
    furthest = [len(trials[c.attrs["parent"]].reports) for c in children]
    assert np.mean(furthest) > 1.5


def test_evolution_reads_its_history_incrementally_and_proposes_as_if_from_scratch() -> None:
    """One strategy fed a growing history proposes what a fresh one (another process, a
    resumed run) proposes from the whole history, including after a history it did not
    expect (a different experiment's)."""
    done = search({"name": "evolution", "population": 6, "sample_size": 3}, seed=3, trials=40)
    history = sorted(done.trials(), key=lambda t: t.number)
    other = sorted(search("random", seed=9, trials=25).trials(), key=lambda t: t.number)
    settings = {"name": "evolution", "population": 6, "sample_size": 3}
    reused = make_strategy(settings, seed=3)
    space = done.space
    assert space is not None
    for n in [*range(0, 41, 4), 10, 40]:  # a shorter history too: read again from the start
        for past in (history[:n], other[: min(n, 25)]):
            fresh = make_strategy(settings, seed=3)
            numbers = [len(past), len(past) + 1]
            assert reused.propose(space, past, numbers) == fresh.propose(space, past, numbers)
