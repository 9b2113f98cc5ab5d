"""Reproducible draws keyed by (seed, trial number, parameter name).

A parameter's value depends on nothing else — not the order in which an objective asks for
its parameters, nor which process runs the trial, nor what other trials did — so a seeded
experiment draws the same values when it is resumed or spread over workers.
"""

from __future__ import annotations

import hashlib

from netsynth.space.distributions import Distribution, ParamValue


def unit_draw(seed: int, number: int, name: str) -> float:
    """A uniform number in [0, 1) determined by its key."""
    digest = hashlib.blake2b(f"{seed}:{number}:{name}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "little") / 2.0**64


def seeded_draw(distribution: Distribution, seed: int, number: int, name: str) -> ParamValue:
    return distribution.from_unit(unit_draw(seed, number, name))
