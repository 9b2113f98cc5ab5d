"""What a strategy is told about the experiment besides its own settings."""

from __future__ import annotations

from dataclasses import dataclass, field

from netsynth.space.architecture_space import ArchitectureSpace
from netsynth.strategies.goal import Goal


@dataclass(frozen=True)
class StrategyContext:
    """``goal``: what to optimize; ``architecture``: the structured view of the space, when
    the experiment searches architectures (NAS strategies mutate and encode through it)."""

    goal: Goal = field(default_factory=Goal)
    architecture: ArchitectureSpace | None = None
