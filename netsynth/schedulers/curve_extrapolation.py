"""Learning-curve extrapolation as a stopping rule (Domhan et al. 2015): after each report,
forecast the trial's value at the end of its training from its curve so far, and stop it when
the probability that it ends better than the best finished trial is below ``threshold``.

The horizon (the step training ends at) is ``horizon`` if set, else the trial's ``epochs``
fidelity, else the last step of the longest finished trial. Nothing is decided before
``min_points`` reports or while no trial has finished. ``ceiling`` bounds the metric (1.0 for
an accuracy in [0, 1]); see ``curve_models``.
"""

from __future__ import annotations

from collections.abc import Sequence

from netsynth.objective import Direction, Objective
from netsynth.schedulers.base import BaseScheduler
from netsynth.schedulers.curve_models import forecast
from netsynth.schedulers.scheduler import CONTINUE, Decision
from netsynth.trial_record import TrialRecord, TrialState
from netsynth.trial_reports import curve, latest


class CurveExtrapolation(BaseScheduler):
    name = "curve"
    setting_names = ("threshold", "min_points", "horizon", "ceiling")

    def __init__(
        self,
        objective: Objective | None = None,
        *,
        threshold: float = 0.05,
        min_points: int = 4,
        horizon: int | None = None,
        ceiling: float | None = None,
    ) -> None:
        if not 0.0 < threshold < 1.0:
            raise ValueError(f"threshold must be a probability in (0, 1), got {threshold}")
        if min_points < 3:
            raise ValueError(f"min_points must be >= 3 (a curve needs a shape), got {min_points}")
        if horizon is not None and horizon < 1:
            raise ValueError(f"horizon must be >= 1, got {horizon}")
        super().__init__(objective)
        self.threshold = float(threshold)
        self.min_points = int(min_points)
        self.horizon = horizon
        self.ceiling = ceiling

    def on_report(self, trial: TrialRecord, history: Sequence[TrialRecord]) -> Decision:
        horizon = self._horizon(trial, history)
        best = self.objective.best(history)
        if horizon is None or best is None or best.value is None:
            return CONTINUE
        return self.judge(trial, best.value, horizon)

    def judge(self, trial: TrialRecord, best: float, horizon: int) -> Decision:
        """Stop ``trial`` if its curve is unlikely to end better than ``best`` at ``horizon``."""
        steps, values = curve(trial, self.objective.metric)
        if len(steps) < self.min_points or steps[-1] >= horizon or min(steps) < 1:
            return CONTINUE
        if self.objective.better(values[-1], best):
            return CONTINUE  # already better: nothing to forecast
        sign = 1.0 if self.objective.direction is Direction.MAXIMIZE else -1.0
        prediction = forecast(steps, [sign * v for v in values], horizon)
        if prediction is None:
            return CONTINUE
        ceiling = None if self.ceiling is None else sign * self.ceiling
        if sign < 0:
            ceiling = None  # a ceiling bounds a maximized metric only
        chance = prediction.probability_above(sign * best, ceiling)
        if chance >= self.threshold:
            return CONTINUE
        metric = self.objective.metric
        return Decision(
            stop=True,
            reason=(
                f"curve extrapolation: after {len(steps)} reports, P({metric} at step {horizon} "
                f"beats the best {best:.4g}) = {chance:.3f} < {self.threshold:g} "
                f"(forecast {sign * prediction.mean:.4g})"
            ),
        )

    def _horizon(self, trial: TrialRecord, history: Sequence[TrialRecord]) -> int | None:
        if self.horizon is not None:
            return self.horizon
        if "epochs" in trial.fidelity:
            return int(trial.fidelity["epochs"])
        ends = [
            last[0]
            for t in history
            if t.state is TrialState.COMPLETE and (last := latest(t, self.objective.metric))
        ]
        return max(ends) if ends else None
