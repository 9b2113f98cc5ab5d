"""netsynth: neural architecture search and hyperparameter optimization on PyTorch.

>>> import netsynth
>>> exp = netsynth.create_experiment(direction="minimize")
>>> state = exp.run(lambda t: t.suggest_float("x", -1, 1) ** 2, max_trials=5, progress=False)
>>> len(exp.trials())
5
"""

from netsynth.budget import Budget, StoppingRules
from netsynth.experiment import Experiment, ExperimentError
from netsynth.experiment_factory import create_experiment, load_experiment
from netsynth.experiment_record import ExperimentRecord, ExperimentState
from netsynth.objective import Direction, Objective
from netsynth.space import (
    CategoricalDistribution,
    Condition,
    FloatDistribution,
    IntDistribution,
    SearchSpace,
)
from netsynth.trial import Trial, TrialPruned
from netsynth.trial_record import Report, TrialRecord, TrialState

__version__ = "0.1.0"

__all__ = [
    "Budget",
    "CategoricalDistribution",
    "Condition",
    "Direction",
    "Experiment",
    "ExperimentError",
    "ExperimentRecord",
    "ExperimentState",
    "FloatDistribution",
    "IntDistribution",
    "Objective",
    "Report",
    "SearchSpace",
    "StoppingRules",
    "Trial",
    "TrialPruned",
    "TrialRecord",
    "TrialState",
    "__version__",
    "create_experiment",
    "load_experiment",
]
