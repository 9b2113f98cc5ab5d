"""ASHA and Hyperband on learning curves recorded from real training: the same promotions
and stops on every replay, and the ones their rules call for."""

from __future__ import annotations

from typing import Any

import pytest

from tests.schedulers.recorded_curves import decisions, replayed_search

CONFIGS: dict[str, dict[str, Any]] = {
    # rungs at epochs 1, 3 and 9 (η = 3)
    "asha": {"name": "asha", "max_resource": 9, "reduction_factor": 3},
    "hyperband": {"name": "hyperband", "max_resource": 9, "reduction_factor": 3},
}

# Trial by trial (one per recorded curve): C completed, P pruned; its bracket, the rung it
# reached and the epochs it trained. ASHA, one bracket: a trial goes on at a rung while it
# ranks in the top ceil(n/3) of the n trials that reached the rung and fewer than that many
# went on. Trial 4 ranks 2nd of 5 after epoch 1 (share 2, one went on) and stops at epoch 3
# behind trial 0; trial 9 leads after epoch 1 and ranks 2nd of 4 after epoch 3 (share 2), so
# it trains all 9; trial 10 ranks 2nd of 11 after epoch 1, but 4 went on already.
# Hyperband: candidates fill brackets 0, 1, 2 in the shares 9 : 5 : 3 (the bracket furthest
# behind its share first); bracket 2 starts at the top rung (9 epochs), bracket 1 at epoch 3.
EXPECTED: dict[str, dict[str, Any]] = {
    "asha": {
        "states": "CPPPPPPPPCPP",
        "brackets": [0] * 12,
        "rungs": [2, 0, 0, 0, 1, 0, 0, 0, 1, 2, 0, 0],
        "epochs": [9, 1, 1, 1, 3, 1, 1, 1, 3, 9, 1, 1],
    },
    "hyperband": {
        "states": "CCCPPPPCPPPC",
        "brackets": [0, 1, 2, 0, 1, 0, 0, 2, 1, 0, 0, 1],
        "rungs": [2, 2, 2, 0, 1, 0, 0, 2, 1, 1, 0, 2],
        "epochs": [9, 9, 9, 1, 3, 1, 1, 9, 3, 3, 1, 9],
    },
}


@pytest.mark.parametrize("case", sorted(CONFIGS))
def test_replays_of_recorded_curves_take_the_same_decisions(case: str) -> None:
    first = decisions(replayed_search(CONFIGS[case]))
    assert decisions(replayed_search(CONFIGS[case])) == first
    expected = EXPECTED[case]
    assert "".join(row[1][0] for row in first) == expected["states"]
    assert [row[2] for row in first] == expected["brackets"]
    assert [row[3] for row in first] == expected["rungs"]
    assert [row[4] for row in first] == expected["epochs"]
