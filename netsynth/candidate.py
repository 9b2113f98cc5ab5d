"""A proposed point of a search: what a strategy proposes and a scheduler places.

Both strategies and schedulers use it, so it lives below both: neither imports the other.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from netsynth.space.distributions import ParamValue


@dataclass(frozen=True)
class Candidate:
    """A proposed point: flat params, plus notes for the trial record (e.g. ``parent``)."""

    params: dict[str, ParamValue]
    attrs: dict[str, Any] = field(default_factory=dict)
