"""The Strategy protocol: WHAT to try next, learned only from the trial history.

A strategy proposes one candidate per trial number it is given. The numbers let a seeded
strategy draw the same candidate for the same trial in any process and after a resume; any
other state a strategy keeps must be rebuilt from ``history`` (or saved into storage).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from netsynth.space.distributions import ParamValue
from netsynth.space.search_space import SearchSpace
from netsynth.trial_record import TrialRecord


class SpaceExhausted(Exception):
    """Raised by ``propose`` when the strategy has nothing left to try (e.g. a finished grid);
    the search ends as if a budget ran out."""


@dataclass(frozen=True)
class Candidate:
    """A proposed point: flat params, plus notes for the trial record (e.g. ``parent``)."""

    params: dict[str, ParamValue]
    attrs: dict[str, Any] = field(default_factory=dict)


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
