"""Hyperband (Li et al., JMLR 2018): successive halving in every bracket at once, so that
aggressive early stopping and patient full-budget training hedge each other. Asynchronous,
as in the ASHA paper: no bracket waits for another. BOHB is this with the ``bohb`` strategy.

Settings are those of ``asha`` (``SuccessiveHalving``); only ``brackets`` defaults to all of
them (one per rung) instead of one.
"""

from __future__ import annotations

from typing import Any

from netsynth.objective import Objective
from netsynth.schedulers.successive_halving import SuccessiveHalving


class Hyperband(SuccessiveHalving):
    name = "hyperband"

    def __init__(
        self, objective: Objective | None = None, *, brackets: int | None = None, **settings: Any
    ) -> None:
        super().__init__(objective, brackets=brackets, **settings)
