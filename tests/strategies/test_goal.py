"""Goals: constraints rank infeasible trials last, Pareto fronts of a known toy problem."""

from __future__ import annotations

import numpy as np

from netsynth import create_experiment
from netsynth.objective import Direction, Objective
from netsynth.strategies.goal import Goal, pareto_front
from netsynth.trial_record import TrialRecord, TrialState


def record(number: int, value: float, **metrics: float) -> TrialRecord:
    return TrialRecord(
        id=number,
        experiment_id=1,
        number=number,
        state=TrialState.COMPLETE,
        value=value,
        metrics=dict(metrics),
    )


ACCURACY = Objective("val_acc", Direction.MAXIMIZE)


def test_constraint_breakers_rank_below_every_feasible_trial() -> None:
    goal = Goal(ACCURACY, {"params": 1000})
    small_bad = goal.score(record(0, 0.1, params=500))
    big_good = goal.score(record(1, 0.99, params=5000))
    bigger_good = goal.score(record(2, 0.99, params=50_000))
    assert small_bad is not None and big_good is not None and bigger_good is not None
    assert small_bad > big_good > bigger_good  # and the further over, the worse
    assert goal.broken(record(1, 0.99, params=5000)) == ["params > 1000"]


def test_a_missing_constrained_metric_breaks_the_constraint() -> None:
    goal = Goal(ACCURACY, {"latency_ms": 5})
    assert goal.broken(record(0, 0.9)) == ["latency_ms not reported"]


def test_minimized_objectives_score_higher_when_smaller() -> None:
    goal = Goal(Objective("loss", Direction.MINIMIZE))
    assert goal.score(record(0, 0.1)) > goal.score(record(1, 0.2))  # type: ignore[operator]


def test_pareto_front_of_a_known_set() -> None:
    goal = Goal(ACCURACY, pareto=(Objective("params", Direction.MINIMIZE),))
    trials = [
        record(0, 0.90, params=100),  # front
        record(1, 0.95, params=300),  # front
        record(2, 0.85, params=200),  # dominated by 0
        record(3, 0.95, params=400),  # dominated by 1
        record(4, 0.97, params=1000),  # front
    ]
    assert [t.number for t in pareto_front(trials, goal)] == [4, 1, 0]


def test_evolution_finds_the_front_of_a_toy_two_objective_problem() -> None:
    # Maximize x and minimize x**2 + y**2 over a grid: the front is y = 0, every x >= 0.
    space = {
        "x": {"type": "float", "low": -1.0, "high": 1.0, "step": 0.25},
        "y": {"type": "float", "low": -1.0, "high": 1.0, "step": 0.25},
    }

    def objective(trial):  # type: ignore[no-untyped-def]
        x, y = trial.params["x"], trial.params["y"]
        return {"value": x, "cost": x * x + y * y}

    experiment = create_experiment(
        parameters=space,
        direction="maximize",
        strategy="evolution",
        seed=0,
        pareto=[("cost", "minimize")],
    )
    experiment.run(objective, max_trials=80, progress=False)
    front = pareto_front(experiment.trials(), experiment.goal)
    found = {(t.params["x"], t.params["y"]) for t in front}
    true_front = {(x, 0.0) for x in np.arange(0.0, 1.01, 0.25)}
    assert found <= true_front  # nothing dominated is called the front
    assert len(found) >= 4  # and most of it is found
    rows = experiment.leaderboard()
    assert sum(row["pareto_front"] for row in rows) == len(front)


def test_constrained_search_picks_the_best_feasible_trial() -> None:
    space = {"x": {"type": "float", "low": 0.0, "high": 1.0}}
    experiment = create_experiment(
        parameters=space,
        direction="maximize",
        strategy="evolution",
        seed=0,
        constraints={"size": 0.5},
    )
    experiment.run(
        lambda t: {"value": t.params["x"], "size": t.params["x"]}, max_trials=40, progress=False
    )
    rows = experiment.leaderboard()
    assert rows[0]["feasible"] and rows[0]["params"]["x"] <= 0.5
    infeasible = [r for r in rows if r.get("feasible") is False]
    assert infeasible and all(r["reason"].startswith("breaks size") for r in infeasible)
