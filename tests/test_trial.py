"""``trial.report``: the step first (alone by position) and metrics by name, Optuna's names
``value=`` and ``step=`` in any order, and a clear error for Optuna's positional order."""

from __future__ import annotations

from typing import Any

import pytest

import netsynth
from netsynth.deprecation import NetsynthDeprecationWarning


def reports_of(
    *calls: tuple[tuple[Any, ...], dict[str, Any]],
) -> list[tuple[int, dict[str, float]]]:
    """The stored reports after making each ``trial.report(*args, **kwargs)`` call."""
    experiment = netsynth.create_experiment(metric="val_acc", direction="maximize")
    trial = experiment.ask()
    for args, kwargs in calls:
        trial.report(*args, **kwargs)
    experiment.tell(trial, 0.5)
    (record,) = experiment.trials()
    return [(r.step, dict(r.metrics)) for r in record.reports]


@pytest.mark.parametrize(
    ("args", "kwargs"),
    [
        ((3,), {"val_acc": 0.91}),
        ((3,), {"value": 0.91}),
        ((), {"step": 3, "value": 0.91}),
        ((), {"value": 0.91, "step": 3}),
        ((), {"step": 3, "val_acc": 0.91}),
    ],
)
def test_every_spelling_of_a_report_stores_the_same(
    args: tuple[Any, ...], kwargs: dict[str, Any]
) -> None:
    assert reports_of((args, kwargs)) == [(3, {"val_acc": 0.91})]


def test_the_value_and_other_metrics_go_together() -> None:
    stored = reports_of(((), {"value": 0.9, "step": 1, "loss": 0.3}))
    assert stored == [(1, {"val_acc": 0.9, "loss": 0.3})]


def test_optunas_positional_order_is_refused_naming_both_orders() -> None:
    trial = netsynth.create_experiment().ask()
    with pytest.raises(TypeError) as error:
        trial.report(0.91, 3)
    message = str(error.value)
    assert "Optuna's order report(value, step)" in message
    assert (
        "trial.report(value=V, step=S)" in message and "trial.report(S, metric_name=V)" in message
    )
    with pytest.raises(TypeError, match=r"a lone positional argument is the step"):
        trial.report(0.91)


@pytest.mark.parametrize(
    ("args", "kwargs", "fragment"),
    [
        ((), {"value": 0.5}, "needs the step"),
        ((1,), {"step": 1, "value": 0.5}, "step twice"),
        ((1, 0.5), {"value": 0.5}, "value twice"),
        ((1, 0.5, 2), {}, "takes the step and named metrics"),
    ],
)
def test_a_call_that_cannot_be_read_says_how_to_write_it(
    args: tuple[Any, ...], kwargs: dict[str, Any], fragment: str
) -> None:
    trial = netsynth.create_experiment().ask()
    with pytest.raises(TypeError, match=fragment) as error:
        trial.report(*args, **kwargs)
    assert "trial.report(value=V, step=S)" in str(error.value)


def test_the_old_positional_value_still_works_with_a_deprecation_warning() -> None:
    with pytest.warns(NetsynthDeprecationWarning, match=r"trial.report\(3, value=0.91\)"):
        stored = reports_of(((3, 0.91), {}))
    assert stored == [(3, {"val_acc": 0.91})]


def test_bad_steps_and_values_are_still_refused() -> None:
    trial = netsynth.create_experiment().ask()
    with pytest.raises(ValueError, match="step must be an integer >= 0"):
        trial.report(-1, loss=1.0)
    with pytest.raises(ValueError, match="step must be an integer >= 0"):
        trial.report(step=True, loss=1.0)
    with pytest.raises(ValueError, match="at least one metric"):
        trial.report(2)
    with pytest.raises(TypeError, match="must be a number"):
        trial.report(2, value="high")
