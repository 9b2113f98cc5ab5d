"""A leaderboard of the top N ranks every trial's outline and reads only N in full: the rows
must be exactly those that ranking every full record gives, with constraints, ties, NaN and
unfinished trials."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

import netsynth
from netsynth.display.leaderboard import best_of, leaderboard_rows, ranked
from netsynth.storage import Storage, TrialDraft, open_storage
from netsynth.trial_record import TrialState


def _fill(storage: Storage, experiment_id: int) -> None:
    values = [0.5, 0.9, 0.9, math.nan, 0.7, 0.2, 0.95, 0.6, 0.8, 0.1]
    states = [TrialState.COMPLETE] * 6 + [TrialState.PRUNED, TrialState.FAILED] + [None, None]
    for i, (value, state) in enumerate(zip(values, states, strict=True)):
        draft = TrialDraft(params={"lr": 0.01 * (i + 1)})
        trial = storage.create_trial(experiment_id, lambda _, d=draft: d)
        assert trial is not None
        storage.add_report(trial.id, 1, {"val_acc": value})
        if state is not None:  # the last two stay RUNNING
            metrics = {"params": 1000.0 * (i + 1)}
            storage.finish_trial(trial.id, state, value=value, metrics=metrics)


@pytest.mark.parametrize("constraints", [{}, {"params": 4500.0}])
def test_top_rows_equal_ranking_every_full_record(
    tmp_path: Path, constraints: dict[str, float]
) -> None:
    url = f"sqlite:///{tmp_path / 'x.db'}"
    experiment = netsynth.create_experiment(
        "top", storage=url, direction="maximize", metric="val_acc", constraints=constraints
    )
    _fill(open_storage(url), experiment.id)
    every = experiment.trials()
    assert len(every) == 10
    for top in (1, 3, 10, 50):
        expected = leaderboard_rows(every, experiment.objective, top, experiment.goal)
        assert experiment.leaderboard(top) == expected
        trials, total = experiment.leaderboard_trials(top)
        assert total == 10 and len(trials) == min(top, 10)
    assert [t.number for t in best_of(every, 4, experiment.objective, experiment.goal)] == [
        t.number for t in ranked(every, experiment.objective, experiment.goal)[:4]
    ]
