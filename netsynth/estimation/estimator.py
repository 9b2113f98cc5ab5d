"""The Estimator protocol: HOW a candidate is judged.

``estimate(trial)`` returns the objective's value (a number) or a dict of metrics that holds
it, reporting along the way with ``trial.report(step, **metrics)`` and honouring
``trial.should_stop()``. A plain function ``objective(trial)`` is wrapped in a
``FunctionEstimator``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from netsynth.trial import Trial

EstimateResult = float | Mapping[str, float] | None


class Estimator(Protocol):
    def estimate(self, trial: Trial) -> EstimateResult: ...


class PipelineEstimator(Estimator, Protocol):
    """An estimator that also gives the lifecycle's other states work of its own; plain HPO
    objectives leave them as pass-through states. (An estimator that trains networks exposes
    a ``trainer`` instead, and the runner's own stages retrain, test and export its models,
    see ``netsynth.estimation.trainer``.) Each hook runs after the runner's stage of the same
    name and receives the experiment's driver (``storage``, ``record``, ``refresh()``,
    ``trials()``); it may store what it produces in the experiment's attrs."""

    def prepare(self, experiment: object) -> None:
        """PREPARING: validate data, run a one-batch preflight."""
        ...

    def retrain(self, experiment: object) -> None:
        """RETRAINING: train the best candidates from scratch at full fidelity."""
        ...

    def evaluate(self, experiment: object) -> None:
        """EVALUATING: measure them on held-out test data."""
        ...

    def export(self, experiment: object) -> None:
        """EXPORTING: write the winner where the user can load it."""
        ...
