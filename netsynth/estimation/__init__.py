"""Estimators: HOW a candidate is judged."""

from netsynth.estimation.command import CommandEstimator
from netsynth.estimation.estimator import EstimateResult, Estimator
from netsynth.estimation.function import FunctionEstimator, ObjectiveRefError

__all__ = [
    "CommandEstimator",
    "EstimateResult",
    "Estimator",
    "FunctionEstimator",
    "ObjectiveRefError",
]
