"""``BaseStrategy``: what every strategy shares, so a new one writes only what differs.

A subclass names itself, lists its settings and writes ``propose``:

>>> from netsynth.candidate import Candidate
>>> class Always(BaseStrategy):
...     name = "always"
...     setting_names = ("x",)
...
...     def __init__(self, seed=0, *, x=0.5, context=None):
...         super().__init__(seed, context=context)
...         self.x = x
...
...     def propose(self, space, history, numbers):
...         return [Candidate({"x": self.x}) for _ in numbers]
>>> Always(3, x=0.25).to_dict()
{'name': 'always', 'seed': 3, 'x': 0.25}
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from netsynth.candidate import Candidate
from netsynth.space.search_space import SearchSpace
from netsynth.strategies.context import StrategyContext
from netsynth.strategies.representation import Representation
from netsynth.trial_record import TrialRecord


class BaseStrategy:
    """The ``Strategy`` protocol's defaults: the seed and context kept, ``to_dict`` written
    from ``setting_names`` (the constructor's keyword arguments, stored as attributes of the
    same names), so that ``make_strategy(strategy.to_dict())`` rebuilds it."""

    name: str
    setting_names: ClassVar[tuple[str, ...]] = ()

    def __init__(self, seed: int = 0, *, context: StrategyContext | None = None) -> None:
        self.seed = int(seed)
        self.context = context or StrategyContext()
        self._representation: Representation | None = None

    def propose(
        self, space: SearchSpace, history: Sequence[TrialRecord], numbers: Sequence[int]
    ) -> list[Candidate]:
        """One candidate per entry of ``numbers`` (the trial numbers being filled)."""
        raise NotImplementedError(f"{type(self).__name__} must define propose")

    def _view(self, space: SearchSpace) -> Representation:
        """How this strategy sees the candidates of ``space`` (with the context's architecture
        space): built once, kept while the space stays the same."""
        view = self._representation
        if view is None or (view.space is not space and view.space != space):
            view = self._representation = Representation(space, self.context.architecture)
        return view

    def to_dict(self) -> dict[str, Any]:
        settings = {name: getattr(self, name) for name in self.setting_names}
        return {"name": self.name, "seed": self.seed, **settings}
