"""A new strategy writes ``propose`` and names its settings; the base keeps the seed and the
context and writes ``to_dict``, so the registry rebuilds it from what it stored."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import pytest

from netsynth.candidate import Candidate
from netsynth.space import FloatDistribution, SearchSpace
from netsynth.strategies.base import BaseStrategy
from netsynth.strategies.context import StrategyContext
from netsynth.strategies.registry import STRATEGIES, make_strategy
from netsynth.trial_record import TrialRecord

SPACE = SearchSpace({"x": FloatDistribution(0.0, 1.0)})


class Midpoint(BaseStrategy):
    """Always the same point: ``x = at``."""

    name = "midpoint"
    setting_names = ("at",)

    def __init__(
        self, seed: int = 0, *, at: float = 0.5, context: StrategyContext | None = None
    ) -> None:
        super().__init__(seed, context=context)
        self.at = at

    def propose(
        self, space: SearchSpace, history: Sequence[TrialRecord], numbers: Sequence[int]
    ) -> list[Candidate]:
        return [Candidate({"x": self.at}) for _ in numbers]


@pytest.fixture
def registered() -> Iterator[None]:
    STRATEGIES.register("midpoint", Midpoint)
    yield
    STRATEGIES.unregister("midpoint")


def test_the_base_keeps_seed_and_context_and_writes_to_dict() -> None:
    context = StrategyContext()
    strategy = Midpoint(7, at=0.25, context=context)
    assert strategy.seed == 7 and strategy.context is context
    assert strategy.to_dict() == {"name": "midpoint", "seed": 7, "at": 0.25}
    assert isinstance(Midpoint().context, StrategyContext)


def test_a_registered_strategy_is_rebuilt_from_its_stored_dict(registered: None) -> None:
    strategy = make_strategy({"name": "midpoint", "at": 0.75}, seed=3)
    assert strategy.propose(SPACE, [], [0, 1]) == [Candidate({"x": 0.75})] * 2
    rebuilt = make_strategy(strategy.to_dict(), seed=99)
    assert rebuilt.to_dict() == {"name": "midpoint", "seed": 3, "at": 0.75}


def test_a_registered_strategy_rejects_settings_it_does_not_take(registered: None) -> None:
    with pytest.raises(ValueError, match="strategy 'midpoint': unknown setting"):
        make_strategy({"name": "midpoint", "population": 5}, seed=0)


def test_propose_is_what_a_strategy_must_write() -> None:
    class Empty(BaseStrategy):
        name = "empty"

    with pytest.raises(NotImplementedError, match="Empty must define propose"):
        Empty().propose(SPACE, [], [0])


@pytest.mark.parametrize("name", sorted(STRATEGIES))
def test_every_strategy_stores_its_seed_and_name(name: str) -> None:
    strategy = make_strategy({"name": name}, seed=5)
    stored = strategy.to_dict()
    assert stored["name"] == name and stored["seed"] == 5
    assert make_strategy(stored, seed=0).to_dict() == stored
