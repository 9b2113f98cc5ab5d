"""The space a define-by-run search proposes from: the parameters its finished trials used.

With no space declared, the objective suggests its parameters as it runs; a strategy can
still learn, over the distributions that COMPLETE trials suggested. The space grows as new
parameters appear and is rebuilt only then.

>>> from netsynth.trial_record import TrialRecord, TrialState
>>> x = {"type": "float", "low": 0.0, "high": 1.0}
>>> done = TrialRecord(id=1, experiment_id=1, number=0, state=TrialState.COMPLETE,
...                    params={"x": 0.5}, distributions={"x": x})
>>> list(InferredSpace().space([done]))
['x']
"""

from __future__ import annotations

from collections.abc import Sequence

from netsynth.space.distributions import Distribution, distribution_from_dict
from netsynth.space.search_space import SearchSpace
from netsynth.trial_history import FinishedFeed
from netsynth.trial_record import TrialRecord, TrialState


class InferredSpace:
    """The distributions finished trials suggested, read once per trial."""

    def __init__(self) -> None:
        self._distributions: dict[str, Distribution] = {}
        self._feed = FinishedFeed()
        self._space = SearchSpace({})

    def space(self, history: Sequence[TrialRecord]) -> SearchSpace:
        """The space of every parameter COMPLETE trials in ``history`` used so far."""
        changed = False
        for trial in self._feed.fresh(history):
            if trial.state is TrialState.COMPLETE:
                for name, data in trial.distributions.items():
                    if name not in self._distributions:
                        self._distributions[name] = distribution_from_dict(data)
                        changed = True
        if changed:
            self._space = SearchSpace(self._distributions)
        return self._space


__all__ = ["InferredSpace"]
