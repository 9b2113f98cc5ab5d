"""The live trial an objective receives: suggest parameters, report progress, stop early.

>>> def objective(trial):
...     lr = trial.suggest_float("lr", 1e-4, 1e-1, log=True)
...     for epoch in range(3):
...         trial.report(epoch, val_acc=1 - lr * epoch)    # or report(value=..., step=epoch)
...         if trial.should_stop():
...             break
...     return 1 - lr
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, Protocol

from netsynth.deprecation import warn_deprecated
from netsynth.space.distributions import (
    CategoricalDistribution,
    ChoiceValue,
    Distribution,
    FloatDistribution,
    IntDistribution,
    ParamValue,
)
from netsynth.space.seeded_draw import seeded_draw
from netsynth.trial_task import TrialReport, TrialTask


class TrialPruned(Exception):
    """Raise inside an objective to end the trial as PRUNED (its last report is its value)."""


class TrialChannel(Protocol):
    """Where a trial's reports go: the experiment in-process, or a pipe to the driver."""

    def report(
        self,
        task: TrialTask,
        report: TrialReport,
    ) -> bool:
        """Store the report; True when the trial should stop."""
        ...

    def heartbeat(self, task: TrialTask) -> None:
        """Record that the process running ``task`` is alive (called from another thread)."""
        ...


def _as_metric(name: str, value: Any) -> float:
    if isinstance(value, (bool, str, bytes)):
        raise TypeError(f"metric {name!r} must be a number, got {type(value).__name__}")
    try:
        return float(value)
    except (TypeError, ValueError):
        raise TypeError(f"metric {name!r} must be a number, got {type(value).__name__}") from None


class Trial:
    """One evaluation of the objective. Parameters are recorded with the trial; reports go to
    storage as they happen."""

    def __init__(self, task: TrialTask, channel: TrialChannel) -> None:
        self._task = task
        self._channel = channel
        self._params: dict[str, ParamValue] = dict(task.params)
        self._distributions: dict[str, dict[str, Any]] = dict(task.distributions)
        self._unsent = False  # params changed since the last report
        self._stop = False
        self.last_metrics: dict[str, float] = {}
        self.attrs: dict[str, Any] = {}  # stored with the trial when it finishes

    # -- identity ----------------------------------------------------------------------------

    @property
    def number(self) -> int:
        return self._task.number

    @property
    def params(self) -> dict[str, ParamValue]:
        """The parameters of this trial so far (a copy)."""
        return dict(self._params)

    @property
    def distributions(self) -> dict[str, dict[str, Any]]:
        return dict(self._distributions)

    @property
    def parent(self) -> int | None:
        """The number of the trial this candidate was mutated from (evolution and the
        predictor-guided search record it), or None."""
        return self._task.parent

    @property
    def first_attempt(self) -> int:
        """The number of this candidate's first attempt: this trial's own number, or for a
        retry of a lost trial the number of the trial that first ran it (attempts share an
        epoch checkpoint through it)."""
        first = self._task.first_attempt
        return self._task.number if first is None else first

    @property
    def fidelity(self) -> dict[str, Any]:
        """Budget the scheduler assigned (e.g. ``{"epochs": 3}``); empty means full fidelity."""
        return dict(self._task.fidelity)

    @property
    def task(self) -> TrialTask:
        return self._task

    def set_attr(self, key: str, value: Any) -> None:
        """Keep ``value`` (JSON-able) with the trial record, e.g. its genotype or provenance."""
        self.attrs[key] = value

    # -- define-by-run -----------------------------------------------------------------------

    def suggest_float(
        self,
        name: str,
        low: float,
        high: float,
        *,
        log: bool = False,
        step: float | None = None,
    ) -> float:
        value = self._suggest(name, FloatDistribution(float(low), float(high), log, step))
        return float(value)  # type: ignore[arg-type]

    def suggest_int(
        self, name: str, low: int, high: int, *, log: bool = False, step: int = 1
    ) -> int:
        value = self._suggest(name, IntDistribution(low, high, log, step))
        return int(value)  # type: ignore[arg-type]

    def suggest_categorical(self, name: str, choices: Sequence[ChoiceValue]) -> ChoiceValue:
        return self._suggest(name, CategoricalDistribution(tuple(choices)))

    def _suggest(self, name: str, distribution: Distribution) -> ParamValue:
        if name in self._params:
            value = self._params[name]
            if not distribution.contains(value):
                known = self._distributions.get(name)
                raise ValueError(
                    f"parameter {name!r} is already {value!r} (from {known}), outside the "
                    f"requested {distribution.to_dict()}"
                )
            return value
        hint = self._task.hints.get(name)
        if name in self._task.hints and distribution.contains(hint):
            value = hint
        else:
            value = seeded_draw(distribution, self._task.seed, self._task.number, name)
        self._params[name] = value
        self._distributions[name] = distribution.to_dict()
        self._unsent = True
        return value

    # -- progress ----------------------------------------------------------------------------

    def report(
        self,
        *args: Any,
        # float, not int, only so that report(step, **metrics) with float metrics type-checks
        # (mypy matches **metrics against every keyword); it must be an integer at run time
        step: float | None = None,
        value: float | None = None,
        **metrics: Any,
    ) -> None:
        """Record intermediate metrics at ``step`` (an epoch, say). The step may come first
        and alone by position; everything else is named, ``value`` being the objective's
        metric:

            trial.report(3, val_acc=0.91)
            trial.report(value=0.91, step=3)      # Optuna's names, in Optuna's order
            trial.report(step=3, loss=0.2, val_acc=0.91)

        Optuna's positional ``report(0.91, 3)`` is refused with a message that shows both;
        netsynth 0.1's ``report(3, 0.91)`` works until netsynth 0.3 with a warning."""
        step = _step_from(args, step, value)
        if len(args) == 2:
            value = args[1]
        if isinstance(step, bool) or not isinstance(step, int) or step < 0:
            raise ValueError(f"step must be an integer >= 0, got {step!r}")
        values = {key: _as_metric(key, v) for key, v in metrics.items()}
        if value is not None:
            values[self._task.metric] = _as_metric(self._task.metric, value)
        if not values:
            raise ValueError(
                "report needs at least one metric, e.g. trial.report(step, loss=0.3) or "
                "trial.report(value=0.3, step=step)"
            )
        self.last_metrics.update(values)
        params = distributions = None
        if self._unsent:
            params, distributions = self._params, self._distributions
        self._stop = (
            self._channel.report(self._task, TrialReport(step, values, params, distributions))
            or self._stop
        )
        self._unsent = False

    def should_stop(self) -> bool:
        """True once the scheduler (or a budget) has decided this trial should end early."""
        return self._stop

    def last_value(self) -> float | None:
        """The latest reported value of the objective's metric, if any."""
        value = self.last_metrics.get(self._task.metric)
        return None if value is None or math.isnan(value) else value


_BOTH_ORDERS = "trial.report(value=V, step=S) or trial.report(S, metric_name=V)"


def _is_step(candidate: Any) -> bool:
    return isinstance(candidate, int) and not isinstance(candidate, bool) and candidate >= 0


def _step_from(args: tuple[Any, ...], step: float | None, value: float | None) -> Any:
    """The step of a ``report`` call, from its positional ``args`` or its ``step=``; a call
    whose positions cannot be read (too many, Optuna's order, the value given twice) raises
    a ``TypeError`` that shows both ways to write it."""
    if len(args) > 2:
        raise TypeError(f"trial.report takes the step and named metrics: {_BOTH_ORDERS}")
    if args and step is not None:
        raise TypeError(f"trial.report got the step twice (by position and step=): {_BOTH_ORDERS}")
    if not args:
        if step is None:
            raise TypeError(f"trial.report needs the step: {_BOTH_ORDERS}")
        return step
    if len(args) == 1:
        if not _is_step(args[0]) and isinstance(args[0], float):
            raise TypeError(
                f"trial.report({args[0]!r}): a lone positional argument is the step (an "
                f"integer >= 0); name the value: {_BOTH_ORDERS}"
            )
        return args[0]
    first, second = args
    if value is not None:
        raise TypeError(
            f"trial.report got the value twice (by position and value=): {_BOTH_ORDERS}"
        )
    if not _is_step(first):
        raise TypeError(
            f"trial.report({first!r}, {second!r}) reads as Optuna's order report(value, step); "
            f"netsynth takes the step first and the value by name: {_BOTH_ORDERS}"
        )
    warn_deprecated(
        f"trial.report({first!r}, {second!r}) with a positional value",
        f"trial.report({first!r}, value={second!r}) or trial.report(value={second!r}, "
        f"step={first!r})",
        stacklevel=3,
    )
    return first
