"""What each scheduler decides on planted curves, and what users see of its decisions."""

from __future__ import annotations

import logging
import math

import pytest

from netsynth import create_experiment
from netsynth.display.leaderboard import leaderboard_rows
from netsynth.display.trial_detail import trial_lines
from netsynth.objective import Direction, Objective
from netsynth.schedulers.curve_extrapolation import CurveExtrapolation
from netsynth.schedulers.curve_models import forecast
from netsynth.schedulers.median_stopping import MedianStopping
from netsynth.schedulers.registry import make_scheduler
from netsynth.schedulers.successive_halving import SuccessiveHalving
from netsynth.strategies.bohb import BOHB
from netsynth.strategies.context import StrategyContext
from netsynth.strategies.goal import Goal
from netsynth.trial import Trial
from netsynth.trial_record import Report, TrialRecord, TrialState

ACCURACY = Objective("acc", Direction.MAXIMIZE)


def record(number: int, curve: list[float], state: TrialState = TrialState.RUNNING) -> TrialRecord:
    reports = tuple(Report(step, {"acc": v}) for step, v in enumerate(curve, start=1))
    value = curve[-1] if state is TrialState.COMPLETE else None
    return TrialRecord(number + 1, 1, number, state, value=value, reports=reports)


def saturating(final: float, speed: float, steps: int, start: float = 0.1) -> list[float]:
    return [final - (final - start) * math.exp(-speed * s) for s in range(1, steps + 1)]


# -- learning-curve extrapolation ------------------------------------------------------------


def test_curve_extrapolation_stops_a_planted_bad_curve_and_keeps_a_good_one() -> None:
    rule = CurveExtrapolation(ACCURACY, ceiling=1.0)
    best = record(0, saturating(0.90, 0.4, 20), TrialState.COMPLETE)
    bad = record(1, saturating(0.60, 0.5, 6))  # flattening out far below the best
    good = record(2, saturating(0.97, 0.12, 6))  # still climbing steeply
    assert rule.on_report(bad, [best, bad]).stop
    decision = rule.on_report(bad, [best, bad])
    assert decision.reason is not None and "curve extrapolation" in decision.reason
    assert not rule.on_report(good, [best, good]).stop


def test_curve_extrapolation_waits_for_points_and_a_finished_trial() -> None:
    rule = CurveExtrapolation(ACCURACY, min_points=4)
    bad = record(1, saturating(0.3, 0.9, 3))
    best = record(0, saturating(0.9, 0.4, 20), TrialState.COMPLETE)
    assert not rule.on_report(bad, [best, bad]).stop  # 3 points < min_points
    longer = record(1, saturating(0.3, 0.9, 8))
    assert not rule.on_report(longer, [longer]).stop  # nothing finished to beat yet


def test_forecast_of_a_clean_curve_is_close_and_sure() -> None:
    steps = list(range(1, 11))
    values = saturating(0.8, 0.3, 10)
    prediction = forecast(steps, values, 40)
    assert prediction is not None
    assert abs(prediction.mean - 0.8) < 0.03
    assert prediction.probability_above(0.9, ceiling=1.0) < 0.05
    assert prediction.probability_above(0.7, ceiling=1.0) > 0.95


def test_curve_extrapolation_of_a_minimized_metric() -> None:
    loss = Objective("acc", Direction.MINIMIZE)
    rule = CurveExtrapolation(loss)
    best = record(0, [1 - v for v in saturating(0.9, 0.4, 20)], TrialState.COMPLETE)
    bad = record(1, [1 - v for v in saturating(0.5, 0.6, 6)])
    good = record(2, [1 - v for v in saturating(0.99, 0.15, 6)])
    assert rule.on_report(bad, [best, bad]).stop
    assert not rule.on_report(good, [best, good]).stop


# -- median stopping -------------------------------------------------------------------------


def test_median_stopping_stops_below_the_median_at_the_same_step() -> None:
    rule = MedianStopping(ACCURACY, min_trials=3)
    others = [record(i, [0.5 + 0.1 * i, 0.6 + 0.1 * i], TrialState.COMPLETE) for i in range(3)]
    low = record(3, [0.3, 0.4])
    high = record(4, [0.7, 0.9])
    decision = rule.on_report(low, [*others, low])
    assert decision.stop and decision.reason is not None and "median 0.7" in decision.reason
    assert not rule.on_report(high, [*others, high]).stop
    assert not rule.on_report(low, [*others[:2], low]).stop  # fewer than min_trials


# -- successive halving ----------------------------------------------------------------------


def test_rungs_run_from_the_top_down() -> None:
    assert SuccessiveHalving(ACCURACY, max_resource=12).rungs == [1, 4, 12]
    assert SuccessiveHalving(ACCURACY, max_resource=27, min_resource=3).rungs == [3, 9, 27]
    fraction = SuccessiveHalving(ACCURACY, resource="data_fraction")
    assert fraction.rungs == pytest.approx([1 / 9, 1 / 3, 1.0])


def test_asha_stops_a_trial_outside_the_top_third_at_a_rung() -> None:
    asha = SuccessiveHalving(ACCURACY, max_resource=9, reduction_factor=3)
    first = TrialRecord(1, 1, 0, TrialState.RUNNING, bracket=0, rung=0)
    first = TrialRecord(**{**first.__dict__, "reports": (Report(1, {"acc": 0.8}),)})
    assert asha.on_report(first, [first]).rung == 1  # alone at the rung: goes on
    weaker = TrialRecord(
        2, 1, 1, TrialState.RUNNING, bracket=0, rung=0, reports=(Report(1, {"acc": 0.5}),)
    )
    promoted = TrialRecord(**{**first.__dict__, "rung": 1})
    decision = asha.on_report(weaker, [promoted, weaker])
    assert decision.stop and decision.rung == 0
    assert decision.reason is not None and "rung 0 (epochs 1)" in decision.reason


def test_hyperband_fills_brackets_in_its_proportions() -> None:
    hyperband = make_scheduler({"name": "hyperband", "max_resource": 27}, ACCURACY)
    assert isinstance(hyperband, SuccessiveHalving) and hyperband.brackets == 4
    history: list[TrialRecord] = []
    for number in range(80):
        placement = hyperband.assign(None, history)  # type: ignore[arg-type]
        history.append(
            TrialRecord(
                number + 1,
                1,
                number,
                TrialState.RUNNING,
                bracket=placement.bracket,
                rung=placement.rung,
            )
        )
    counts = [sum(1 for t in history if t.bracket == b) for b in range(4)]
    assert counts[0] > counts[1] > counts[2] > counts[3] > 0  # 27 : 12 : 6 : 4 shares


# -- what users see --------------------------------------------------------------------------


def test_leaderboard_and_show_say_the_rung_and_why_a_trial_stopped() -> None:
    from netsynth.tabular.estimator import TabularEstimator, tabular_space

    experiment = create_experiment(
        architecture=tabular_space(),
        metric="val_acc",
        direction="maximize",
        scheduler={"name": "asha", "max_resource": 12},
        seed=2,
    )
    experiment.run(TabularEstimator(), max_trials=20, progress=False)
    rows = leaderboard_rows(experiment.trials(), experiment.objective)
    assert all("rung" in row and row["bracket"] == 0 for row in rows)
    stopped = [row for row in rows if row["state"] == "PRUNED"]
    assert stopped and all(row["reason"].startswith("asha: rung") for row in stopped)
    trial = next(t for t in experiment.trials() if t.state is TrialState.PRUNED)
    lines = trial_lines(experiment, trial)
    assert any(line.startswith(f"schedule: bracket 0, rung {trial.rung}") for line in lines)
    assert trial.reason is not None and trial.reason in lines[0]


def test_an_objective_that_never_reports_is_named(caplog: pytest.LogCaptureFixture) -> None:
    experiment = create_experiment(
        parameters={"x": {"type": "float", "low": 0.0, "high": 1.0}},
        scheduler={"name": "median"},
        seed=0,
    )

    def silent(trial: Trial) -> float:
        return float(trial.params["x"])

    with caplog.at_level(logging.WARNING, logger="netsynth"):
        experiment.run(silent, max_trials=3, progress=False)
    messages = [r.getMessage() for r in caplog.records if "without intermediate" in r.getMessage()]
    assert len(messages) == 1
    assert messages[0].startswith("trial 0 ended without intermediate reports of 'value'")
    assert "median scheduler" in messages[0]


# -- BOHB --------------------------------------------------------------------------------------


def test_bohb_fits_on_the_largest_budget_enough_trials_reached() -> None:
    goal = Goal.from_config({"objective": ACCURACY.to_dict()})
    bohb = BOHB(seed=0, min_points=3, context=StrategyContext(goal))
    history = [record(i, [0.1 * i], TrialState.PRUNED) for i in range(4)]  # step 1
    history += [record(4 + i, [0.1, 0.2, 0.3], TrialState.PRUNED) for i in range(3)]  # step 3
    assert bohb._budget(history) == 3
    history += [record(7 + i, [0.1] * 9, TrialState.COMPLETE) for i in range(3)]
    assert bohb._budget(history) is None  # three trained in full: their final values
