"""Genotypes: architectures as plain data, whatever the space.

Every genotype is a frozen dataclass with ``to_dict`` (JSON-able, with a ``"space"`` key),
``hash`` (stable across processes; equal for equivalent architectures, see each space's
canonical form) and ``describe`` (one line for tables). ``genotype_from_dict`` reads any of
them back; ``netsynth.nn.build`` turns any of them into a module.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any, Protocol


class GenotypeError(ValueError):
    """A genotype that is malformed or cannot be built, with the reason."""


class Genotype(Protocol):
    def to_dict(self) -> dict[str, Any]: ...

    def hash(self) -> str: ...

    def describe(self) -> str: ...


def canonical_json(data: Any) -> str:
    """Sorted keys, no spaces: equal data gives equal strings."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"))


def stable_hash(data: Any) -> str:
    """A 16-hex-digit id of JSON-able data, the same in every process and Python version."""
    return hashlib.sha256(canonical_json(data).encode()).hexdigest()[:16]
