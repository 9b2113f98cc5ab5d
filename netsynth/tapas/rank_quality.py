"""What a TAP prediction is worth, and how it is labelled wherever users see it.

A TAP prediction (``estimator: tapas``, ``netsynth predict``) is a score that ranks candidate
networks on one dataset. It is not an accuracy to expect: its scale drifts between datasets and
training recipes, and its ranking is only as good as measured. So it is stored under its own
metric, ``predicted_acc`` (never ``val_acc``, which is measured), and shown as a
"predicted (rank score)" next to the rank quality measured for it.

The measured quality is the Kendall τ between the TAP's scores and the trained validation
accuracies of a dataset the TAP never saw, each of the 13 datasets of the seed LDE held out in
turn, with the default fit and the DCN-filtered record selection that ``estimator: tapas`` and
``netsynth predict`` use (``benchmarks/predictors.py --sections loo``; the table is in the
benchmarks/README.md, TAPAS section).

This module imports neither torch nor the predictor, so the leaderboard and the dashboard can
use it.
"""

from __future__ import annotations

from dataclasses import dataclass

PREDICTED_METRIC = "predicted_acc"
PREDICTED_LABEL = "predicted (rank score)"


@dataclass(frozen=True)
class RankQuality:
    """Kendall τ of predicted against trained accuracy, over held-out datasets."""

    low: float
    high: float
    mean: float
    datasets: int

    def describe(self) -> str:
        return (
            f"Kendall tau {self.low:.2f} to {self.high:.2f} across {self.datasets} held-out "
            f"datasets (mean {self.mean:.2f})"
        )


# Leave-one-dataset-out on the seed LDE: the "TAP DCN-filtered" column of the table in
# benchmarks/README.md.
LOO_KENDALL_TAU = RankQuality(low=0.20, high=0.74, mean=0.55, datasets=13)


def metric_label(metric: str) -> str:
    """How a metric is headed where users read it: a TAP prediction as a rank score, every
    other metric by its name.

    >>> metric_label("predicted_acc"), metric_label("val_acc")
    ('predicted (rank score)', 'val_acc')
    """
    return PREDICTED_LABEL if metric == PREDICTED_METRIC else metric


def rank_quality_note() -> str:
    """The sentence printed with TAP predictions: what the numbers are for, and how well
    they have been measured to rank."""
    return (
        "TAP scores rank candidates; they are not accuracies to expect. Measured ranking "
        f"quality (leave-one-dataset-out on the seed LDE): {LOO_KENDALL_TAU.describe()}."
    )


def score_ranks(scores: list[float]) -> list[int]:
    """1-based rank of each score among ``scores``, highest first; ties share the better rank.

    >>> score_ranks([0.5, 0.9, 0.5, 0.1])
    [2, 1, 2, 4]
    """
    return [1 + sum(other > score for other in scores) for score in scores]
