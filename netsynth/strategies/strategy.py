"""The Strategy protocol: WHAT to try next, learned only from the trial history.

A strategy proposes one candidate per trial number it is given. The numbers let a seeded
strategy draw the same candidate for the same trial in any process and after a resume; any
other state a strategy keeps must be rebuilt from ``history`` (or saved into storage).
``BaseStrategy`` (``netsynth.strategies.base``) gives the defaults, so a strategy writes
``propose`` and its settings only.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from netsynth.candidate import Candidate
from netsynth.space.search_space import SearchSpace
from netsynth.trial_record import TrialRecord


class SpaceExhausted(Exception):
    """Raised by ``propose`` when the strategy has nothing left to try (e.g. a finished grid);
    the search ends as if a budget ran out."""


class Strategy(Protocol):
    name: str

    def propose(
        self, space: SearchSpace, history: Sequence[TrialRecord], numbers: Sequence[int]
    ) -> list[Candidate]:
        """One candidate per entry of ``numbers`` (the trial numbers being filled)."""
        ...

    def to_dict(self) -> dict[str, Any]:
        """``{"name": ..., **settings}``: what ``make_strategy`` rebuilds it from."""
        ...


__all__ = ["Candidate", "SpaceExhausted", "Strategy"]
