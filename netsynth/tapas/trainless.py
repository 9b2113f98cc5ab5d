"""What every train-less estimator (``estimator: tapas``, ``estimator: zero_cost``) shares: a
training estimator that decodes candidates and is the trainer of the lifecycle's other
states, which run for real (PREPARING's data checks and DCN; RETRAINING trains only the
top-k; EVALUATING; EXPORTING), and the attrs each scored trial carries, as a trained one
would."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from netsynth.estimation.training import TrainingEstimator
    from netsynth.space.genotype import Genotype
    from netsynth.training_config import TrainingConfig
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

    @property
    def trainer(self) -> TrainingEstimator:
        """The training estimator the runner's stages around the search work through."""
        return self.train
