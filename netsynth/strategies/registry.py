"""Strategies by name, for specs and for rebuilding a stored experiment.

Each is imported on first use, so that naming ``random`` never loads PyTorch or Optuna.
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from typing import Any

from netsynth.registry import Registry
from netsynth.strategies.context import StrategyContext
from netsynth.strategies.strategy import Strategy

STRATEGIES: Registry[type] = Registry(
    "strategy",
    {
        "random": "netsynth.strategies.random_search:RandomSearch",
        "grid": "netsynth.strategies.grid_search:GridSearch",
        "tpe": "netsynth.strategies.optuna_sampler:TPE",
        "bohb": "netsynth.strategies.bohb:BOHB",
        "gp": "netsynth.strategies.optuna_sampler:GPBO",
        "cmaes": "netsynth.strategies.optuna_sampler:CMAES",
        "nsga2": "netsynth.strategies.optuna_sampler:NSGA2",
        "evolution": "netsynth.strategies.regularized_evolution:RegularizedEvolution",
        "reinforce": "netsynth.strategies.reinforce:Reinforce",
        "bananas": "netsynth.strategies.predictor_guided:PredictorGuided",
    },
)


def make_strategy(
    config: Mapping[str, Any], *, seed: int, context: StrategyContext | None = None
) -> Strategy:
    """``make_strategy({"name": "evolution", "population": 50}, seed=1)``; settings other than
    ``name`` are passed on; ``seed`` is the experiment's unless the config names one.
    ``initial``: a list of candidates (flat params) the first trials run before the strategy
    proposes (see ``netsynth.strategies.initial_candidates``)."""
    settings = dict(config)
    name = settings.pop("name", "random")
    initial = settings.pop("initial", None)
    if initial is not None:
        if not isinstance(initial, list) or not all(isinstance(c, Mapping) for c in initial):
            raise ValueError(
                f"strategy {name!r}: initial must be a list of candidates (flat params), "
                f"got {initial!r}"
            )
        from netsynth.strategies.initial_candidates import InitialCandidates

        inner = make_strategy({"name": name, **settings}, seed=seed, context=context)
        return InitialCandidates(inner, initial)
    cls = STRATEGIES.resolve(name)
    settings.setdefault("seed", seed)
    accepted = inspect.signature(cls).parameters
    unknown = sorted(set(settings) - set(accepted) - {"context"})
    if unknown and not any(p.kind is p.VAR_KEYWORD for p in accepted.values()):
        known = sorted(set(accepted) - {"seed", "context"})
        raise ValueError(
            f"strategy {name!r}: unknown setting(s) {', '.join(unknown)}; "
            f"it takes {', '.join(known) or 'no settings'}"
        )
    try:
        strategy: Strategy = cls(**settings, context=context or StrategyContext())
    except (TypeError, ValueError) as exc:
        raise ValueError(f"strategy {name!r}: {exc}") from exc
    return strategy
