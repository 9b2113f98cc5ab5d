"""Strategies by name, for specs and for rebuilding a stored experiment."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from netsynth.strategies.random_search import RandomSearch
from netsynth.strategies.strategy import Strategy

STRATEGIES: dict[str, Callable[..., Strategy]] = {
    "random": RandomSearch,
}


def make_strategy(config: Mapping[str, Any], *, seed: int) -> Strategy:
    """``make_strategy({"name": "random"}, seed=1)``; settings other than ``name`` are passed on;
    ``seed`` is the experiment's unless the config names one."""
    settings = dict(config)
    name = settings.pop("name", "random")
    if name not in STRATEGIES:
        raise ValueError(f"unknown strategy {name!r}; available: {', '.join(sorted(STRATEGIES))}")
    settings.setdefault("seed", seed)
    try:
        return STRATEGIES[name](**settings)
    except TypeError as exc:
        raise ValueError(f"strategy {name!r}: {exc}") from exc
