"""What a search reports after every pass of its loop, for a progress display.

The search loop (``netsynth.runner.search_loop``) produces it and a display
(``netsynth.display.progress``) draws it; neither imports the other.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from netsynth.trial_record import TrialRecord


@dataclass(frozen=True)
class SearchProgress:
    """Trials done of the budget, running and failed, the best so far and the time used."""

    done: int
    budget: int | None
    running: int
    failed: int
    best: TrialRecord | None
    elapsed: float
    seconds_left: float | None = None  # until the search's share of the time limit ends
    repaired: int = 0  # candidates made cheaper to fit the time (see runner.cost_guard)
    skipped: int = 0  # candidates that could not be made to fit


ProgressCallback = Callable[[SearchProgress], None]


__all__ = ["ProgressCallback", "SearchProgress"]
