"""Optuna's samplers as strategies: valid proposals on conditional spaces, proposals that are a
function of (seed, history, trial number) alone (fresh objects, fresh processes, resumed
experiments), and the search behaviour users rely on (TPE beats random, NSGA-II finds the Pareto
front, constraints push infeasible points last)."""

from __future__ import annotations

import dataclasses
import importlib.util
import json
import math
import os
import subprocess
import sys
import warnings
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import netsynth
from netsynth.objective import Direction, Objective
from netsynth.space import SearchSpace
from netsynth.space.distributions import ParamValue
from netsynth.strategies.context import StrategyContext
from netsynth.strategies.goal import Goal, pareto_front
from netsynth.strategies.random_search import RandomSearch
from netsynth.strategies.registry import make_strategy
from netsynth.strategies.strategy import Candidate, Strategy
from netsynth.trial_record import Report, TrialRecord, TrialState
from tests.nested_space import optimizer_conditions

REPO = Path(__file__).resolve().parents[2]

# CMA-ES needs the ``cmaes`` package, which Optuna does not install.
HAS_CMAES = importlib.util.find_spec("cmaes") is not None
CMAES = pytest.param(
    "cmaes", marks=pytest.mark.skipif(not HAS_CMAES, reason="the cmaes package is not installed")
)

# Small settings so that each sampler leaves its start-up phase within a short test.
SMALL: dict[str, dict[str, Any]] = {
    "tpe": {"n_startup_trials": 5},
    "bohb": {"min_points": 5},
    "gp": {"n_startup_trials": 3},
    "cmaes": {"popsize": 4},
    "nsga2": {"population_size": 6},
}
# Trials per sampler in the longer loops: the GP fits its models anew for every proposal (about
# a second here), and many seconds when trials are running (it then samples the running ones).
STEPS = {"tpe": 40, "gp": 6, "cmaes": 40, "nsga2": 40}

Objective2 = Callable[[Mapping[str, ParamValue]], tuple[float, dict[str, float]]]


def conditional_space() -> SearchSpace:
    """Every kind of parameter: log, step, int step, mixed-type choices, nested conditions."""
    return SearchSpace.from_dict(
        {
            "lr": {"type": "float", "low": 1e-4, "high": 1e-1, "log": True},
            "width": {"type": "int", "low": 8, "high": 64, "step": 8},
            "depth": {"type": "int", "low": 1, "high": 100, "log": True},
            "optimizer": {"type": "categorical", "choices": ["sgd", "adam", 1, True]},
            **optimizer_conditions(
                momentum={"low": 0.0, "high": 0.95, "step": 0.05},
                dampening={"low": 0.0, "high": 0.5},
                momentum_for=["sgd", 1],
            ),
        }
    )


def num(params: Mapping[str, ParamValue], name: str, default: float | None = None) -> float:
    value = params.get(name, default)
    assert isinstance(value, (int, float))
    return float(value)


def conditional_objective(params: Mapping[str, ParamValue]) -> tuple[float, dict[str, float]]:
    value = (math.log10(num(params, "lr")) + 2.5) ** 2 + abs(num(params, "width") - 40) / 10
    value += num(params, "momentum", 0.5) + num(params, "dampening", 0.25)
    return value, {"size": num(params, "width") * num(params, "depth")}


def strategy(name: str, seed: int = 0, goal: Goal | None = None, **settings: Any) -> Strategy:
    config = {"name": name, **SMALL[name], **settings}
    return make_strategy(config, seed=seed, context=StrategyContext(goal or Goal()))


def record(
    number: int, candidate: Candidate, state: TrialState = TrialState.RUNNING, **fields: Any
) -> TrialRecord:
    return TrialRecord(
        id=1000 + number,
        experiment_id=1,
        number=number,
        state=state,
        params=dict(candidate.params),
        attrs=dict(candidate.attrs),
        **fields,
    )


def finished(trial: TrialRecord, objective: Objective2) -> TrialRecord:
    value, metrics = objective(trial.params)
    return dataclasses.replace(trial, state=TrialState.COMPLETE, value=value, metrics=metrics)


def drive(
    search: Strategy, space: SearchSpace, objective: Objective2, trials: int
) -> list[TrialRecord]:
    """One trial at a time, like ``Experiment.run`` with one worker."""
    history: list[TrialRecord] = []
    for number in range(trials):
        (candidate,) = search.propose(space, history, [number])
        history.append(finished(record(number, candidate), objective))
    return history


def best(history: list[TrialRecord]) -> float:
    return min(t.value for t in history if t.value is not None)


# -- proposals are valid, conditional parameters reach the sampler -----------------------------


@pytest.mark.parametrize("name", ["tpe", CMAES, "nsga2"])  # the GP's: parallel_history
def test_every_proposal_is_valid_with_only_active_params(name: str) -> None:
    space = conditional_space()
    goal = Goal(pareto=(Objective("size", Direction.MINIMIZE),)) if name == "nsga2" else None
    history = drive(strategy(name, goal=goal), space, conditional_objective, STEPS[name])
    for trial in history:
        space.validate(trial.params)  # no inactive child, every active one, all in range
        assert space.active_only(trial.params) == trial.params
        assert list(trial.params) == [n for n in space if n in trial.params]  # space order
        assert json.loads(json.dumps(trial.attrs)) == trial.attrs
    # The children were proposed where their parents enable them (NSGA-II only breeds the
    # optimizers of its first, random generation, so not every child need show up).
    assert any("momentum" in t.params for t in history)
    if name == "tpe":
        assert any("dampening" in t.params for t in history)
        assert any("momentum" in t.params and t.params["optimizer"] == 1 for t in history)


def test_tpe_learns_a_child_parameter_from_the_trials_where_it_was_active() -> None:
    space = SearchSpace.from_dict(
        {
            "optimizer": {"type": "categorical", "choices": ["sgd", "adam"]},
            "momentum": {
                "type": "float",
                "low": 0.0,
                "high": 1.0,
                "condition": {"parent": "optimizer", "values": ["sgd"]},
            },
        }
    )

    def objective(params: Mapping[str, ParamValue]) -> tuple[float, dict[str, float]]:
        if params["optimizer"] == "adam":
            return 0.5, {}
        return abs(num(params, "momentum") - 0.8), {}

    errors: dict[str, list[float]] = {"tpe": [], "random": []}
    for seed in range(3):
        for label, search in (
            # Without dedupe: repeats of "adam" (it has no child) would be mutated into sgd
            # trials that TPE did not choose, blurring what this measures.
            ("tpe", strategy("tpe", seed=seed, dedupe=False)),
            ("random", RandomSearch(seed=seed)),
        ):
            history = drive(search, space, objective, 40)
            late = [t for t in history[20:] if t.params["optimizer"] == "sgd"]
            assert late, "TPE stopped trying sgd although sgd holds the best trials"
            errors[label] += [abs(num(t.params, "momentum") - 0.8) for t in late]
    assert np.mean(errors["tpe"]) < 0.6 * np.mean(errors["random"])


@pytest.mark.parametrize("name", ["tpe", "bohb"])
def test_dedupe_never_repeats_a_tried_candidate_in_a_small_categorical_space(name: str) -> None:
    space = SearchSpace.from_dict(
        {f"e{i}": {"type": "categorical", "choices": ["a", "b", "c"]} for i in range(3)}
    )

    def objective(params: Mapping[str, ParamValue]) -> tuple[float, dict[str, float]]:
        return float(sum(params[f"e{i}"] == "a" for i in range(3))), {}  # all "a" is best

    history = drive(strategy(name, seed=1), space, objective, 18)
    keys = [tuple(sorted(t.params.items())) for t in history]
    assert len(set(keys)) == 18  # two thirds of the 27 points, none twice
    repeated = drive(strategy(name, seed=1, dedupe=False), space, objective, 18)
    assert len({tuple(sorted(t.params.items())) for t in repeated}) < 18  # TPE alone repeats


# -- determinism -------------------------------------------------------------------------------


def parallel_history(name: str, seed: int, check: bool, steps: int = 0) -> list[Candidate]:
    """Proposals with up to three trials running at once, finishing out of order (some FAILED,
    some PRUNED; the GP's trials finish at once, to keep it fast). With ``check``, each proposal
    is compared with that of a fresh strategy given the same history, and the incremental study
    must never be rebuilt. Every proposal is checked against the space."""
    space = conditional_space()
    goal = Goal(constraints={"size": 2000.0})
    if name == "nsga2":
        goal = dataclasses.replace(goal, pareto=(Objective("size", Direction.MINIMIZE),))
    search = strategy(name, seed=seed, goal=goal)
    rng = np.random.default_rng(seed)
    history: list[TrialRecord] = []
    running: list[int] = []
    proposals: list[Candidate] = []
    mirrors = set()
    most_running = 0 if name == "gp" else 3
    for number in range(steps or STEPS[name]):
        (candidate,) = search.propose(space, history, [number])
        space.validate(candidate.params)
        proposals.append(candidate)
        if check:
            fresh = strategy(name, seed=seed, goal=goal).propose(space, list(history), [number])
            assert fresh == [candidate], f"trial {number}: a fresh strategy proposes otherwise"
            mirrors.add(id(search._mirror))  # type: ignore[attr-defined]
        history.append(record(number, candidate))
        running.append(number)
        while running and (len(running) > most_running or rng.random() < 0.5):
            done = running.pop(int(rng.integers(len(running))))
            luck = rng.random()
            if luck < 0.1:
                history[done] = dataclasses.replace(history[done], state=TrialState.FAILED)
            elif luck < 0.2:
                reports = (Report(0, {"value": 9.0}), Report(1, {"value": 8.0}))
                history[done] = dataclasses.replace(
                    history[done], state=TrialState.PRUNED, value=8.0, reports=reports
                )
            else:
                history[done] = finished(history[done], conditional_objective)
    if check:
        assert len(mirrors) == 1, "the study was rebuilt although the history only grew"
    return proposals


@pytest.mark.usefixtures("one_torch_thread")
@pytest.mark.parametrize("name", ["tpe", "gp", CMAES, "nsga2"])
def test_same_history_and_number_give_the_same_candidate(name: str) -> None:
    proposals = parallel_history(name, seed=3, check=True)
    assert len({json.dumps(c.params, sort_keys=True) for c in proposals}) > len(proposals) // 2
    other_seed = parallel_history(name, seed=4, check=False, steps=3)
    assert other_seed != proposals[:3]


def test_a_fresh_process_proposes_the_same(tmp_path: Path) -> None:
    """Hash randomization and a cold start must not change a proposal."""
    names = ("tpe", "cmaes", "nsga2") if HAS_CMAES else ("tpe", "nsga2")
    script = (
        "import dataclasses, json\n"
        "from tests.strategies.test_optuna_sampler import parallel_history\n"
        f"names = {names!r}\n"
        "out = {n: [dataclasses.asdict(c) for c in parallel_history(n, 3, False)] for n in names}\n"
        "print(json.dumps(out))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO), "PYTHONHASHSEED": "12345"}
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    there = json.loads(result.stdout)
    for name, proposals in there.items():
        here = [dataclasses.asdict(c) for c in parallel_history(name, 3, False)]
        assert json.loads(json.dumps(here)) == proposals, name


@pytest.mark.usefixtures("one_torch_thread")
@pytest.mark.parametrize("name", ["tpe", "gp", CMAES, "nsga2"])
def test_a_resumed_experiment_proposes_what_an_uninterrupted_one_does(
    name: str, sqlite_url: str
) -> None:
    space = {
        "x": {"type": "float", "low": -3.0, "high": 3.0},
        "y": {"type": "float", "low": 0.01, "high": 10.0, "log": True},
        "k": {"type": "int", "low": 0, "high": 10},
    }
    config: dict[str, Any] = {"name": name, **SMALL[name]}
    pareto = [("k", "minimize")] if name == "nsga2" else []
    total, cut = (7, 5) if name == "gp" else (20, 11)

    def evaluate(exp: netsynth.Experiment) -> None:
        trial = exp.ask()
        p = trial.params
        value = (num(p, "x") - 1) ** 2 + math.log(num(p, "y")) ** 2
        exp.tell(trial, {"value": value, "k": num(p, "k")})

    def make(storage: str | None = None) -> netsynth.Experiment:
        return netsynth.create_experiment(
            "resume", storage=storage, parameters=space, strategy=config, seed=7, pareto=pareto
        )

    straight = make()
    for _ in range(total):
        evaluate(straight)
    first = make(sqlite_url)
    for _ in range(cut):
        evaluate(first)
    resumed = netsynth.load_experiment("resume", storage=sqlite_url)  # a new strategy object
    for _ in range(total - cut):
        evaluate(resumed)
    assert [t.params for t in resumed.trials()] == [t.params for t in straight.trials()]
    if name == "cmaes":  # its optimizer state went through storage
        attrs = [t.attrs.get("optuna", {}).get("trial", {}) for t in resumed.trials()]
        assert any(key.startswith("cma:optimizer") for a in attrs for key in a)


# -- search behaviour --------------------------------------------------------------------------


def quadratic(params: Mapping[str, ParamValue]) -> tuple[float, dict[str, float]]:
    return (num(params, "x") - 1.0) ** 2 + (num(params, "y") + 2.0) ** 2, {}


def test_tpe_beats_random_on_a_quadratic() -> None:
    space = SearchSpace.from_dict(
        {
            "x": {"type": "float", "low": -5.0, "high": 5.0},
            "y": {"type": "float", "low": -5.0, "high": 5.0},
        }
    )
    seeds = range(5)
    tpe = [best(drive(strategy("tpe", seed=s), space, quadratic, 40)) for s in seeds]
    rnd = [best(drive(RandomSearch(seed=s), space, quadratic, 40)) for s in seeds]
    assert np.mean(tpe) < 0.5 * np.mean(rnd), (tpe, rnd)


def zdt1(params: Mapping[str, ParamValue]) -> tuple[float, dict[str, float]]:
    f1 = num(params, "x1")
    g = 1.0 + 9.0 * num(params, "x2")
    return f1, {"f2": g * (1.0 - math.sqrt(f1 / g))}


def test_nsga2_finds_the_pareto_front_of_zdt1() -> None:
    space = SearchSpace.from_dict(
        {
            "x1": {"type": "float", "low": 0.0, "high": 1.0},
            "x2": {"type": "float", "low": 0.0, "high": 1.0},
        }
    )
    goal = Goal(pareto=(Objective("f2", Direction.MINIMIZE),))
    search = strategy("nsga2", seed=0, goal=goal, population_size=20)
    front = pareto_front(drive(search, space, zdt1, 300), goal)
    f1 = np.array([t.value for t in front])
    f2 = np.array([t.metrics["f2"] for t in front])
    gap = f2 - (1.0 - np.sqrt(f1))  # distance above the true front f2 = 1 - sqrt(f1)
    assert len(front) >= 8
    assert np.median(gap) < 0.1 and gap.max() < 0.5, gap
    assert f1.min() < 0.2 and f1.max() > 0.8  # spread along the front, not one corner


def test_constraints_rank_infeasible_trials_last_in_the_study() -> None:
    """The best trial by value breaks a constraint: every sampler's study ranks it below the
    feasible ones (TPE and CMA-ES through the score, GP and NSGA-II through Optuna's
    constraints)."""
    space = SearchSpace.from_dict({"x": {"type": "float", "low": 0.0, "high": 1.0}})
    goal = Goal(constraints={"c": 0.5})
    good_but_infeasible = TrialRecord(
        id=1,
        experiment_id=1,
        number=0,
        state=TrialState.COMPLETE,
        params={"x": 0.9},
        value=0.0,
        metrics={"c": 0.9},
    )
    bad_but_feasible = TrialRecord(
        id=2,
        experiment_id=1,
        number=1,
        state=TrialState.COMPLETE,
        params={"x": 0.1},
        value=5.0,
        metrics={"c": 0.1},
    )
    history = [good_but_infeasible, bad_but_feasible]
    for name in ("tpe", "gp", "cmaes", "nsga2") if HAS_CMAES else ("tpe", "gp", "nsga2"):
        search = strategy(name, goal=goal)
        search.propose(space, history, [2])
        study = search._mirror.study  # type: ignore[attr-defined]
        assert [t.number for t in study.best_trials] == [1], name


def test_constrained_search_ends_up_feasible() -> None:
    """Minimize (x - 1)^2 with x <= 0.25 (reported as metric ``c``): TPE's later proposals
    hug the bound, half of them on the feasible side, where an unconstrained search goes on to
    x = 1."""
    space = SearchSpace.from_dict({"x": {"type": "float", "low": -1.0, "high": 1.0}})

    def objective(params: Mapping[str, ParamValue]) -> tuple[float, dict[str, float]]:
        x = num(params, "x")
        return (x - 1.0) ** 2, {"c": x}

    goal = Goal(constraints={"c": 0.25})
    for seed in range(3):
        history = drive(strategy("tpe", seed=seed, goal=goal), space, objective, 40)
        late = [num(t.params, "x") for t in history[20:]]
        assert np.mean([x <= 0.25 for x in late]) >= 0.35, late
        feasible = [t for t in history if t.metrics["c"] <= 0.25]
        assert min(abs(num(t.params, "x") - 0.25) for t in feasible) < 0.1
        free = drive(strategy("tpe", seed=seed), space, objective, 40)
        assert np.mean([num(t.params, "x") <= 0.25 for t in free[20:]]) <= 0.2


# -- settings, experiments, quiet --------------------------------------------------------------


def test_settings_pass_through_and_serialize() -> None:
    search = make_strategy({"name": "nsga2", "population_size": 8}, seed=5)
    assert search.to_dict() == {"name": "nsga2", "seed": 5, "population_size": 8}
    tpe = make_strategy({"name": "tpe", "n_startup_trials": 3, "n_ei_candidates": 12}, seed=1)
    settings = tpe.to_dict()
    assert json.loads(json.dumps(settings)) == settings
    space = conditional_space()
    assert make_strategy(settings, seed=0).propose(space, [], [0]) == tpe.propose(space, [], [0])
    with pytest.raises(ValueError, match=r"unknown setting.*popsize"):
        make_strategy({"name": "tpe", "popsize": 3}, seed=0)
    with pytest.raises(ValueError, match="not a JSON value"):
        make_strategy({"name": "tpe", "gamma": lambda n: n}, seed=0)
    with pytest.raises(ValueError, match="population_size"):
        make_strategy({"name": "nsga2", "population_size": 1}, seed=0)


def test_experiments_run_with_each_sampler_and_define_by_run() -> None:
    def objective(trial: netsynth.Trial) -> float:
        x = trial.suggest_float("x", -2, 2)
        kind = trial.suggest_categorical("kind", ["a", "b"])
        return x * x + (trial.suggest_float("extra", 0, 1) if kind == "a" else 0.5)

    for name in ("tpe", "cmaes") if HAS_CMAES else ("tpe",):
        exp = netsynth.create_experiment(strategy={"name": name, **SMALL[name]}, seed=2)
        exp.run(objective, max_trials=12, progress=False)
        trials = exp.trials()
        assert len(trials) == 12 and all(t.state is TrialState.COMPLETE for t in trials)


def test_optuna_stays_quiet(capfd: pytest.CaptureFixture[str]) -> None:
    space = conditional_space()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for name in ("tpe", "cmaes", "nsga2") if HAS_CMAES else ("tpe", "nsga2"):
            drive(strategy(name), space, conditional_objective, 8)
    assert caught == []
    assert capfd.readouterr().err == ""
