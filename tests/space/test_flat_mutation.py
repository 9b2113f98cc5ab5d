"""Mutation and encoding of flat params: one change, always valid, conditions respected."""

from __future__ import annotations

import numpy as np

from netsynth.space import SearchSpace
from netsynth.space.flat_mutation import encode_params, mutate_params

SPACE = SearchSpace.from_dict(
    {
        "optimizer": {"type": "categorical", "choices": ["sgd", "adam"]},
        "momentum": {
            "type": "float",
            "low": 0.0,
            "high": 0.99,
            "condition": {"parent": "optimizer", "values": ["sgd"]},
        },
        "lr": {"type": "float", "low": 1e-4, "high": 1e-1, "log": True},
        "layers": {"type": "int", "low": 1, "high": 8},
    }
)


def test_mutation_changes_one_param_and_stays_valid() -> None:
    rng = np.random.default_rng(0)
    params = SPACE.sample(rng)
    for _ in range(500):
        child = mutate_params(SPACE, params, rng)
        SPACE.validate(child)
        assert child == SPACE.active_only(child)
        changed = {n for n in set(child) | set(params) if child.get(n) != params.get(n)}
        assert 1 <= len(changed) <= 2  # a parent switch may add or drop its child
        if len(changed) == 2:
            assert "optimizer" in changed and "momentum" in changed
        params = child


def test_encoding_has_a_fixed_length_and_marks_inactive_params() -> None:
    sgd = encode_params(SPACE, {"optimizer": "sgd", "momentum": 0.5, "lr": 1e-2, "layers": 8})
    adam = encode_params(SPACE, {"optimizer": "adam", "lr": 1e-4, "layers": 1})
    assert sgd.shape == adam.shape == (5,)
    assert list(sgd[:2]) == [1.0, 0.0] and list(adam[:2]) == [0.0, 1.0]
    assert adam[2] == 0.0 and adam[3] == 0.0 and sgd[4] == 1.0
