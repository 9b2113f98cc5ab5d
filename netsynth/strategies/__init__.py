"""Search strategies: WHAT to try next."""

from netsynth.strategies.base import BaseStrategy
from netsynth.strategies.random_search import RandomSearch
from netsynth.strategies.registry import STRATEGIES, make_strategy
from netsynth.strategies.strategy import Candidate, Strategy

__all__ = ["STRATEGIES", "BaseStrategy", "Candidate", "RandomSearch", "Strategy", "make_strategy"]
