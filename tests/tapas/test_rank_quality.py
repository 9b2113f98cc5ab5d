"""TAP predictions are shown as rank scores with the rank quality measured for them; the
figures quoted must be those of the leave-one-dataset-out table in benchmarks/README.md."""

from __future__ import annotations

import re

from netsynth.tapas.rank_quality import (
    LOO_KENDALL_TAU,
    metric_label,
    rank_quality_note,
    score_ranks,
)
from tests.conftest import REPO


def _measured_dcn_filtered_taus() -> list[float]:
    """Kendall τ of the "TAP DCN-filtered" column of the leave-one-dataset-out table in
    benchmarks/README.md (the selection ``estimator: tapas`` and ``netsynth predict`` use)."""
    lines = (REPO / "benchmarks" / "README.md").read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("| held out | DCN |"))
    header = [cell.strip() for cell in lines[start].strip("|").split("|")]
    column = header.index("TAP DCN-filtered")
    taus = []
    for line in lines[start + 2 :]:
        if not line.startswith("|"):
            break
        cell = line.strip("|").split("|")[column]
        match = re.match(r"\s*(-?\d+\.\d+) /", cell)
        assert match is not None, line
        taus.append(float(match.group(1)))
    return taus


def test_the_quoted_rank_quality_is_the_measured_one() -> None:
    taus = _measured_dcn_filtered_taus()
    assert len(taus) == LOO_KENDALL_TAU.datasets
    assert (min(taus), max(taus)) == (LOO_KENDALL_TAU.low, LOO_KENDALL_TAU.high)
    assert round(sum(taus) / len(taus), 2) == LOO_KENDALL_TAU.mean


def test_predictions_are_labelled_as_rank_scores() -> None:
    assert metric_label("predicted_acc") == "predicted (rank score)"
    assert metric_label("val_acc") == "val_acc"
    note = rank_quality_note()
    assert "not accuracies" in note and "0.20 to 0.74" in note and "13" in note


def test_ties_share_the_better_rank() -> None:
    assert score_ranks([0.3, 0.7, 0.7, 0.1]) == [3, 1, 1, 4]
    assert score_ranks([]) == []
