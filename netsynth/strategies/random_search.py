"""Random search: every active parameter drawn uniformly (log-uniformly on log scales)."""

from __future__ import annotations

from collections.abc import Sequence

from netsynth.space.distributions import ParamValue
from netsynth.space.search_space import SearchSpace
from netsynth.space.seeded_draw import seeded_draw
from netsynth.strategies.base import BaseStrategy
from netsynth.strategies.strategy import Candidate
from netsynth.trial_record import TrialRecord


class RandomSearch(BaseStrategy):
    """Reproducible: trial ``n`` of a seeded experiment gets the same params in any process.

    >>> from netsynth.space import SearchSpace, FloatDistribution
    >>> space = SearchSpace({"x": FloatDistribution(-1.0, 1.0)})
    >>> a = RandomSearch(seed=7).propose(space, [], [3])
    >>> a == RandomSearch(seed=7).propose(space, [], [3])
    True
    """

    name = "random"

    def propose(
        self, space: SearchSpace, history: Sequence[TrialRecord], numbers: Sequence[int]
    ) -> list[Candidate]:
        return [Candidate(self._draw(space, number)) for number in numbers]

    def _draw(self, space: SearchSpace, number: int) -> dict[str, ParamValue]:
        params: dict[str, ParamValue] = {}
        for name, distribution in space.items():
            if space.is_active(name, params):
                params[name] = seeded_draw(distribution, self.seed, number, name)
        return params
