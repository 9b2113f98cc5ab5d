"""One-shot NAS: DARTS (first and second order) and ENAS, each run inside one trial.

The trial trains a weight-sharing supernet over the NB201-style cell, reports as it goes,
stores the op probabilities per epoch (``attrs["alphas"]``) and ends with a derived genotype
(``attrs["genotype"]``) that the final stages retrain from scratch like any other candidate.
"""

from netsynth.oneshot.config import OneShotConfig
from netsynth.oneshot.oneshot_estimator import OneShotEstimator

__all__ = ["OneShotConfig", "OneShotEstimator"]
