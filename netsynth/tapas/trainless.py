"""What every train-less estimator (``estimator: tapas``, ``estimator: zero_cost``) shares: a
training estimator that decodes candidates and runs the lifecycle's other states for real
(PREPARING's data checks and DCN; RETRAINING trains only the top-k; EVALUATING; EXPORTING),
and the attrs each scored trial carries, as a trained one would."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from netsynth.estimation.training import TrainingEstimator
    from netsynth.estimation.training_config import TrainingConfig
    from netsynth.space.genotype import Genotype
    from netsynth.trial import Trial


class TrainLessEstimator:
    """Base of the estimators that score a candidate without training it."""

    def __init__(self, train: TrainingEstimator) -> None:
        self.train = train

    def describe_candidate(
        self, trial: Trial, genotype: Genotype, training: TrainingConfig
    ) -> None:
        """The genotype and training attrs a trained trial carries (what retraining reads)."""
        trial.set_attr("genotype", genotype.to_dict())
        trial.set_attr("genotype_hash", genotype.hash())
        trial.set_attr("architecture", genotype.describe())
        trial.set_attr("training", training.to_dict())

    def prepare(self, experiment: Any) -> None:
        self.train.prepare(experiment)

    def retrain(self, experiment: Any) -> None:
        self.train.retrain(experiment)

    def evaluate(self, experiment: Any) -> None:
        self.train.evaluate(experiment)

    def export(self, experiment: Any) -> None:
        self.train.export(experiment)
