"""Known candidates first, then the strategy: ``{"name": "evolution", "initial": [...]}``.

Trial ``n`` for ``n`` below the number of initial candidates runs the ``n``-th of them (flat
params of the space, e.g. strong known baselines), so a good model exists after the first few
trials; every later trial is the wrapped strategy's proposal, which learns from the baselines'
results like from any other trial. Keyed by trial number, so a resumed or distributed search
proposes what a single run would.

>>> from netsynth.space import SearchSpace, FloatDistribution
>>> from netsynth.strategies.random_search import RandomSearch
>>> space = SearchSpace({"x": FloatDistribution(-1.0, 1.0)})
>>> strategy = InitialCandidates(RandomSearch(seed=0), [{"x": 0.5}])
>>> [c.params["x"] == 0.5 for c in strategy.propose(space, [], [0, 1])]
[True, False]
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from netsynth.space.distributions import ParamValue
from netsynth.space.search_space import SearchSpace
from netsynth.strategies.strategy import Candidate, Strategy
from netsynth.trial_record import TrialRecord

INITIAL = "initial"  # the trial attr naming which initial candidate a trial runs


class InitialCandidates:
    def __init__(self, inner: Strategy, candidates: Sequence[Mapping[str, ParamValue]]) -> None:
        self.inner = inner
        self.candidates = [dict(c) for c in candidates]
        self.name = inner.name

    def propose(
        self, space: SearchSpace, history: Sequence[TrialRecord], numbers: Sequence[int]
    ) -> list[Candidate]:
        out: dict[int, Candidate] = {}
        rest = []
        for number in numbers:
            if number < len(self.candidates):
                params = self.candidates[number]
                unknown = sorted(set(params) - set(space))
                if unknown:
                    raise ValueError(
                        f"initial candidate {number} has parameters the space does not: "
                        f"{', '.join(unknown)}"
                    )
                out[number] = Candidate(dict(params), {"origin": "initial", INITIAL: number})
            else:
                rest.append(number)
        if rest:
            out.update(zip(rest, self.inner.propose(space, history, rest), strict=True))
        return [out[number] for number in numbers]

    def to_dict(self) -> dict[str, Any]:
        return {**self.inner.to_dict(), "initial": self.candidates}
