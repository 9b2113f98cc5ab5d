"""How a trial ended, and the rules that turn what an objective did into that ending."""

from __future__ import annotations

import math
import numbers
import traceback
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from netsynth.estimation.estimator import Estimator
from netsynth.space.distributions import ParamValue
from netsynth.trial import Trial, TrialPruned
from netsynth.trial_record import TrialState


@dataclass(frozen=True)
class Outcome:
    state: TrialState
    value: float | None = None
    metrics: dict[str, float] = field(default_factory=dict)
    params: dict[str, ParamValue] = field(default_factory=dict)
    distributions: dict[str, dict[str, Any]] = field(default_factory=dict)
    reason: str | None = None
    attrs: dict[str, Any] = field(default_factory=dict)


def _number(value: Any) -> float | None:
    """``value`` as a float when it is a real number (numpy and 0-d tensors included)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, numbers.Real):
        return float(value)
    if hasattr(value, "item") and getattr(value, "ndim", 1) == 0:
        item = value.item()
        return (
            float(item) if isinstance(item, numbers.Real) and not isinstance(item, bool) else None
        )
    return None


def _describe(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def outcome_from_result(result: Any, trial: Trial) -> Outcome:
    """Turn an objective's return value into an Outcome. A number (or a dict holding the
    objective's metric) completes the trial, or prunes it if it was told to stop; NaN, None
    and anything else fail it with a reason that says what was expected."""
    return _with_attrs(_outcome_from_result(result, trial), trial)


def _with_attrs(outcome: Outcome, trial: Trial) -> Outcome:
    """Attach what the objective kept with ``trial.set_attr``."""
    return replace(outcome, attrs={**trial.attrs, **outcome.attrs}) if trial.attrs else outcome


def _outcome_from_result(result: Any, trial: Trial) -> Outcome:
    metric = trial.task.metric
    params, distributions = trial.params, trial.distributions
    expected = f"return a number, or a dict of numbers that includes {metric!r}"

    def failed(reason: str, metrics: dict[str, float] | None = None) -> Outcome:
        return Outcome(
            TrialState.FAILED,
            metrics=metrics or {},
            reason=reason,
            params=params,
            distributions=distributions,
        )

    metrics: dict[str, float] = {}
    if isinstance(result, Mapping):
        for key, item in result.items():
            number = _number(item)
            if number is None:
                return failed(f"metric {key!r} is {_describe(item)}, not a number")
            metrics[str(key)] = number
        if metric not in metrics:
            return failed(f"objective returned {sorted(metrics)} without {metric!r}; {expected}")
        value: float | None = metrics[metric]
    else:
        value = _number(result)
        if value is None:
            return failed(f"objective returned {_describe(result)}; {expected}")
        metrics = {metric: value}
    assert value is not None
    if math.isnan(value):
        return failed("objective returned NaN", metrics)
    state = TrialState.PRUNED if trial.should_stop() else TrialState.COMPLETE
    reason = "stopped early by the scheduler" if state is TrialState.PRUNED else None
    return Outcome(state, value, metrics, reason=reason, params=params, distributions=distributions)


def evaluate(estimator: Estimator, trial: Trial) -> Outcome:
    """Run one trial to its Outcome. Exceptions fail the trial (the traceback is kept in its
    attrs); KeyboardInterrupt and SystemExit pass through to the caller."""
    try:
        result = estimator.estimate(trial)
    except TrialPruned:
        value = trial.last_value()
        return _with_attrs(
            Outcome(
                TrialState.PRUNED,
                value,
                dict(trial.last_metrics),
                trial.params,
                trial.distributions,
                reason="pruned by the objective",
            ),
            trial,
        )
    except Exception as exc:  # noqa: BLE001 - any error of the objective fails only its trial
        return Outcome(
            TrialState.FAILED,
            params=trial.params,
            distributions=trial.distributions,
            reason=f"{type(exc).__name__}: {exc}",
            attrs={**trial.attrs, "traceback": traceback.format_exc(limit=20)},
        )
    return outcome_from_result(result, trial)
