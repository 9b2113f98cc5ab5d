"""netsynth: neural architecture search and hyperparameter optimization on PyTorch.

``netsynth.search(x, y, time_limit="10m")`` designs a network for your data within the time
given; ``create_experiment`` runs any objective (hyperparameter optimization):

>>> import netsynth
>>> exp = netsynth.create_experiment(direction="minimize")
>>> state = exp.run(lambda t: t.suggest_float("x", -1, 1) ** 2, max_trials=5, progress=False)
>>> len(exp.trials())
5
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from netsynth.version import __version__

if TYPE_CHECKING:
    from netsynth.auto_search import SearchResult, search
    from netsynth.budget import Budget, StoppingRules
    from netsynth.errors import ExperimentError
    from netsynth.experiment import Experiment
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

# Public name -> the module that defines it. Imported on first use, so that `import netsynth`
# stays light and a reader of storage (the dashboard) never loads the search loop.
_EXPORTS = {
    "search": "netsynth.auto_search",
    "SearchResult": "netsynth.auto_search",
    "Budget": "netsynth.budget",
    "StoppingRules": "netsynth.budget",
    "Experiment": "netsynth.experiment",
    "ExperimentError": "netsynth.errors",
    "create_experiment": "netsynth.experiment_factory",
    "load_experiment": "netsynth.experiment_factory",
    "ExperimentRecord": "netsynth.experiment_record",
    "ExperimentState": "netsynth.experiment_record",
    "Direction": "netsynth.objective",
    "Objective": "netsynth.objective",
    "CategoricalDistribution": "netsynth.space",
    "Condition": "netsynth.space",
    "FloatDistribution": "netsynth.space",
    "IntDistribution": "netsynth.space",
    "SearchSpace": "netsynth.space",
    "Trial": "netsynth.trial",
    "TrialPruned": "netsynth.trial",
    "Report": "netsynth.trial_record",
    "TrialRecord": "netsynth.trial_record",
    "TrialState": "netsynth.trial_record",
}


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'netsynth' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS])


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
    "SearchResult",
    "SearchSpace",
    "StoppingRules",
    "Trial",
    "TrialPruned",
    "TrialRecord",
    "TrialState",
    "__version__",
    "create_experiment",
    "load_experiment",
    "search",
]
