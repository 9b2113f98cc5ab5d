"""The conditional hyperparameters the space and strategy tests share: an optimizer whose choice
switches momentum and nesterov on, and nesterov=False switching dampening on."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from netsynth.space import SearchSpace
from netsynth.space.distributions import ParamValue


def optimizer_conditions(
    *,
    momentum: Mapping[str, Any],
    dampening: Mapping[str, Any],
    momentum_for: Sequence[ParamValue] = ("sgd", "rmsprop"),
) -> dict[str, dict[str, Any]]:
    """``momentum`` (bounds) under ``optimizer`` in ``momentum_for``, ``nesterov`` under sgd,
    ``dampening`` (bounds) under ``nesterov`` False: two levels of nesting."""
    return {
        "momentum": {
            "type": "float",
            **momentum,
            "condition": {"parent": "optimizer", "values": list(momentum_for)},
        },
        "nesterov": {
            "type": "categorical",
            "choices": [True, False],
            "condition": {"parent": "optimizer", "values": ["sgd"]},
        },
        "dampening": {
            "type": "float",
            **dampening,
            "condition": {"parent": "nesterov", "values": [False]},
        },
    }


def nested_space(*, momentum_high: float, dampening_step: float, layers_high: int) -> SearchSpace:
    """lr, optimizer -> momentum (sgd, rmsprop) and nesterov (sgd) -> dampening
    (nesterov=False), then an unconditional int ``layers``."""
    return SearchSpace.from_dict(
        {
            "lr": {"type": "float", "low": 1e-4, "high": 1e-1, "log": True},
            "optimizer": {"type": "categorical", "choices": ["sgd", "adam", "rmsprop"]},
            **optimizer_conditions(
                momentum={"low": 0.0, "high": momentum_high},
                dampening={"low": 0.0, "high": 0.5, "step": dampening_step},
            ),
            "layers": {"type": "int", "low": 1, "high": layers_high},
        }
    )
