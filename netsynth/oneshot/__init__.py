"""One-shot NAS: DARTS (first and second order) and ENAS, each run inside one trial.

The trial trains a weight-sharing supernet over the NB201-style cell or the DARTS cell space,
reports as it goes, stores the op probabilities per epoch (``attrs["alphas"]``) and ends with
a derived genotype (``attrs["genotype"]``) that the final stages retrain from scratch like any
other candidate. ``OneShotEstimator`` (and PyTorch with it) is imported on first use, so that
reading a spec's ``oneshot:`` settings (``netsynth.oneshot.config``) does not load PyTorch.
"""

from typing import Any

from netsynth.oneshot.config import OneShotConfig

__all__ = ["OneShotConfig", "OneShotEstimator"]


def __getattr__(name: str) -> Any:
    if name == "OneShotEstimator":
        from netsynth.oneshot.oneshot_estimator import OneShotEstimator

        return OneShotEstimator
    raise AttributeError(f"module 'netsynth.oneshot' has no attribute {name!r}")
