"""What a strategy is told about the experiment besides its own settings."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from netsynth.space.architecture_space import ArchitectureSpace
from netsynth.strategies.goal import Goal


@dataclass(frozen=True)
class StrategyContext:
    """``goal``: what to optimize; ``architecture``: the structured view of the space, when
    the experiment searches architectures (NAS strategies mutate and encode through it);
    ``attrs``: reads the experiment's stored attrs (what PREPARING found: "data", "dcn"),
    for strategies that need facts about the dataset (TAP ranking)."""

    goal: Goal = field(default_factory=Goal)
    architecture: ArchitectureSpace | None = None
    attrs: Callable[[], Mapping[str, Any]] = field(default=lambda: {})
