"""Test functions for HPO, for the quickstart and for examples."""

from __future__ import annotations

import math

from netsynth.trial import Trial


def branin(trial: Trial) -> float:
    """The Branin function (minimum 0.397887 at three points) over x in [-5, 10], y in [0, 15]."""
    x = float(trial.params["x"])  # type: ignore[arg-type]
    y = float(trial.params["y"])  # type: ignore[arg-type]
    b, c, t = 5.1 / (4 * math.pi**2), 5 / math.pi, 1 / (8 * math.pi)
    return (y - b * x**2 + c * x - 6) ** 2 + 10 * (1 - t) * math.cos(x) + 10
