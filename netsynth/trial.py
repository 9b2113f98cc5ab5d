"""The live trial an objective receives: suggest parameters, report progress, stop early.

>>> def objective(trial):
...     lr = trial.suggest_float("lr", 1e-4, 1e-1, log=True)
...     for epoch in range(3):
...         trial.report(epoch, val_acc=1 - lr * epoch)
...         if trial.should_stop():
...             break
...     return 1 - lr
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from netsynth.space.distributions import (
    CategoricalDistribution,
    ChoiceValue,
    Distribution,
    FloatDistribution,
    IntDistribution,
    ParamValue,
)
from netsynth.space.seeded_draw import seeded_draw
from netsynth.trial_task import TrialTask


class TrialPruned(Exception):
    """Raise inside an objective to end the trial as PRUNED (its last report is its value)."""


class TrialChannel(Protocol):
    """Where a trial's reports go: the experiment in-process, or a pipe to the driver."""

    def report(
        self,
        task: TrialTask,
        step: int,
        metrics: Mapping[str, float],
        params: Mapping[str, ParamValue] | None,
        distributions: Mapping[str, Mapping[str, Any]] | None,
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

    def report(self, step: int, value: float | None = None, **metrics: Any) -> None:
        """Record intermediate metrics at ``step`` (an epoch, say). ``value`` is shorthand for
        the objective's metric: ``trial.report(3, 0.91)`` or ``trial.report(3, val_acc=0.91)``."""
        if isinstance(step, bool) or not isinstance(step, int) or step < 0:
            raise ValueError(f"step must be an integer >= 0, got {step!r}")
        values = {key: _as_metric(key, v) for key, v in metrics.items()}
        if value is not None:
            values[self._task.metric] = _as_metric(self._task.metric, value)
        if not values:
            raise ValueError("report needs at least one metric, e.g. trial.report(step, loss=0.3)")
        self.last_metrics.update(values)
        params = distributions = None
        if self._unsent:
            params, distributions = self._params, self._distributions
        self._stop = (
            self._channel.report(self._task, step, values, params, distributions) or self._stop
        )
        self._unsent = False

    def should_stop(self) -> bool:
        """True once the scheduler (or a budget) has decided this trial should end early."""
        return self._stop

    def last_value(self) -> float | None:
        """The latest reported value of the objective's metric, if any."""
        value = self.last_metrics.get(self._task.metric)
        return None if value is None or math.isnan(value) else value
