"""Dashboard plots: each appears exactly when its data exists, and says what the data says."""

from __future__ import annotations

import json
import math

from netsynth.dashboard.plots import experiment_plots, front_of, learning_curves
from netsynth.objective import Direction, Objective
from netsynth.strategies.goal import Goal
from netsynth.trial_record import Report, TrialRecord, TrialState

MAXIMIZE = Objective("val_acc", Direction.MAXIMIZE)


def trial(number: int, value: float | None, **extra: object) -> TrialRecord:
    fields: dict[str, object] = {
        "id": number + 1,
        "experiment_id": 1,
        "number": number,
        "state": TrialState.COMPLETE if value is not None else TrialState.FAILED,
        "value": value,
    }
    fields.update(extra)
    return TrialRecord(**fields)  # type: ignore[arg-type]


def ids(plots: list) -> list[str]:  # type: ignore[type-arg]
    return [p.id for p in plots]


def test_only_the_history_for_plain_values() -> None:
    trials = [trial(i, v) for i, v in enumerate([0.5, 0.7, 0.6, None])]
    plots = experiment_plots(trials, MAXIMIZE, None)
    assert ids(plots) == ["history"]
    best = plots[0].figure["data"][1]["y"]
    assert best == [0.5, 0.7, 0.7]  # best so far; the failed trial is left out
    json.dumps(plots[0].figure)  # JSON all through


def test_minimizing_keeps_the_lowest_as_best() -> None:
    plots = experiment_plots(
        [trial(i, v) for i, v in enumerate([3.0, 1.0, 2.0])], Objective("loss"), None
    )
    assert plots[0].figure["data"][1]["y"] == [3.0, 1.0, 1.0]


def test_parallel_coordinates_for_params_with_log_scale_and_categories() -> None:
    trials = [
        trial(i, 0.1 * i, params={"lr": 10.0 ** -(i % 4 + 1), "opt": ["sgd", "adam"][i % 2]})
        for i in range(8)
    ]
    plot = next(p for p in experiment_plots(trials, MAXIMIZE, None) if p.id == "parallel")
    dims = {d["label"]: d for d in plot.figure["data"][0]["dimensions"]}
    assert set(dims) == {"log10 lr", "opt", "val_acc"}
    assert dims["opt"]["ticktext"] == ["adam", "sgd"]
    assert dims["val_acc"]["values"][0] == max(dims["val_acc"]["values"])  # best first


def test_pareto_front_of_value_and_params() -> None:
    metrics = [(0.90, 100), (0.95, 400), (0.80, 50), (0.85, 300), (0.96, 1000)]
    trials = [trial(i, v, metrics={"params": p}) for i, (v, p) in enumerate(metrics)]
    plot = next(p for p in experiment_plots(trials, MAXIMIZE, None) if p.id == "vs-params")
    front = plot.figure["data"][1]
    assert front["x"] == [50, 100, 400, 1000]  # trial 3 (0.85 at 300) is dominated
    assert front_of([(1.0, 5.0, 0), (2.0, 1.0, 1)], maximize=False) == [0, 1]


def test_constraint_breakers_are_not_on_the_front() -> None:
    goal = Goal(MAXIMIZE, constraints={"latency_ms": 2.0})
    trials = [
        trial(0, 0.9, metrics={"latency_ms": 1.0}),
        trial(1, 0.99, metrics={"latency_ms": 5.0}),
    ]
    plot = next(p for p in experiment_plots(trials, MAXIMIZE, goal) if p.id == "vs-latency_ms")
    assert plot.figure["data"][1]["x"] == [1.0]


def test_rungs_by_bracket() -> None:
    trials = [
        trial(i, 0.5, rung=i % 3, bracket=i % 2, reports=(Report(1, {"val_acc": 0.1 * i}),))
        for i in range(6)
    ]
    plot = next(p for p in experiment_plots(trials, MAXIMIZE, None) if p.id == "rungs")
    assert [d["name"] for d in plot.figure["data"]] == ["bracket 0", "bracket 1"]
    assert plot.figure["data"][1]["x"] == [1, 0, 2]


def test_darts_alphas_per_op_and_epoch() -> None:
    alphas = [
        {
            "epoch": 0,
            "edges": {"0-1": {"conv": 0.5, "skip": 0.5}, "1-2": {"conv": 0.3, "skip": 0.7}},
        },
        {
            "epoch": 1,
            "edges": {"0-1": {"conv": 0.9, "skip": 0.1}, "1-2": {"conv": 0.5, "skip": 0.5}},
        },
    ]
    trials = [trial(0, 0.9, attrs={"alphas": alphas})]
    plot = next(p for p in experiment_plots(trials, MAXIMIZE, None) if p.id == "alphas")
    series = {d["name"]: d["y"] for d in plot.figure["data"]}
    assert [round(v, 6) for v in series["conv"]] == [0.4, 0.7]
    assert [round(v, 6) for v in series["skip"]] == [0.6, 0.3]


def test_learning_curves_overlay_reports() -> None:
    trials = [
        trial(0, 0.9, reports=(Report(1, {"val_acc": 0.5}), Report(2, {"val_acc": 0.9}))),
        trial(1, 0.8, reports=(Report(1, {"loss": 0.5}),)),
    ]
    figure = learning_curves(trials, "val_acc")
    assert figure is not None and len(figure["data"]) == 1
    assert figure["data"][0]["y"] == [0.5, 0.9]
    assert learning_curves([trial(2, 0.1)], "val_acc") is None


def test_ten_thousand_trials_stay_json_and_bounded() -> None:
    trials = [
        trial(
            i,
            math.sin(i) / 2 + 0.5,
            params={"lr": 1e-3 * (1 + i % 7), "bs": 32 * (1 + i % 3)},
            metrics={"params": 1000 + i, "latency_ms": 0.1 * (i % 50) + 0.1},
        )
        for i in range(10_000)
    ]
    plots = experiment_plots(trials, MAXIMIZE, None)
    assert ids(plots) == ["history", "parallel", "vs-params", "vs-latency_ms"]
    parallel = next(p for p in plots if p.id == "parallel")
    assert len(parallel.figure["data"][0]["dimensions"][0]["values"]) == 1000
