"""The estimator a run uses: the objective it was given, or the one its experiment stored.

Every estimator that can describe itself stores ``to_dict()`` with the experiment
(``config["estimator"]``); ``estimator_from_config`` rebuilds it by its ``type``, so that
``netsynth resume`` and ``netsynth export`` run with what the experiment was created with.
Each kind is imported only when named: torch only when a network is trained.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from netsynth.errors import ExperimentError
from netsynth.estimation.command import CommandEstimator
from netsynth.estimation.estimator import Estimator
from netsynth.estimation.function import FunctionEstimator
from netsynth.experiment_record import ExperimentRecord
from netsynth.trial import Trial

ObjectiveLike = Callable[[Trial], Any] | Estimator


def estimator_from_config(data: Mapping[str, Any] | None) -> Estimator | None:
    """Rebuild the estimator a stored experiment was run with, if it can be named."""
    if not data:
        return None
    kind = data.get("type")
    if kind == "function":
        return FunctionEstimator(ref=data["ref"])
    if kind == "command":
        return CommandEstimator(data["command"], cwd=data.get("cwd"))
    if kind == "train":
        from netsynth.estimation.training import TrainingEstimator

        return TrainingEstimator.from_dict(dict(data))
    if kind == "oneshot":
        from netsynth.oneshot.oneshot_estimator import OneShotEstimator

        return OneShotEstimator.from_dict(dict(data))
    if kind == "tapas":
        from netsynth.tapas.tapas_estimator import TapasEstimator

        return TapasEstimator.from_dict(dict(data))
    if kind == "zero_cost":
        from netsynth.tapas.zero_cost_estimator import ZeroCostEstimator

        return ZeroCostEstimator.from_dict(dict(data))
    if kind == "tabular" and data.get("benchmark") is not None:
        from netsynth.tabular.published_estimator import PublishedTableEstimator

        return PublishedTableEstimator(data["benchmark"], data.get("cost_scale", 1.0))
    if kind == "tabular":
        from netsynth.tabular.estimator import TabularEstimator

        return TabularEstimator(data.get("table"))
    raise ExperimentError(f"unknown estimator type {kind!r} in the stored config")


def estimator_for(objective: ObjectiveLike | None, record: ExperimentRecord) -> Estimator:
    """The estimator of a run: ``objective`` (a function is wrapped), or with none given the
    one ``record`` stored."""
    if objective is None:
        stored = estimator_from_config(record.config.get("estimator"))
        if stored is None:
            raise ExperimentError(
                f"experiment {record.name!r} has no stored objective (it was defined in a "
                "script); run that script again, or call "
                f"load_experiment({record.name!r}, storage=...).run(objective)"
            )
        return stored
    if hasattr(objective, "estimate"):
        return objective
    if callable(objective):
        return FunctionEstimator(objective)
    raise ExperimentError(f"objective must be a function or an Estimator, got {objective!r}")


__all__ = ["ObjectiveLike", "estimator_for", "estimator_from_config"]
