"""Genotypes: architectures as plain data, whatever the space.

Every genotype is a frozen dataclass with ``to_dict`` (JSON-able, with a ``"space"`` key),
``hash`` (stable across processes; equal for equivalent architectures, see each space's
canonical form) and ``describe`` (one line for tables). ``genotype_from_dict`` reads any of
them back; ``netsynth.nn.build`` turns any of them into a module.
"""

from __future__ import annotations

import hashlib
import importlib
import json
from typing import Any, Protocol


class GenotypeError(ValueError):
    """A genotype that is malformed or cannot be built, with the reason."""


class Genotype(Protocol):
    def to_dict(self) -> dict[str, Any]: ...

    def hash(self) -> str: ...

    def describe(self) -> str: ...


# space name -> "module:class" of its genotype (imported on first use).
GENOTYPES = {
    "chain": "netsynth.space.chain_genotype:ChainGenotype",
    "dag": "netsynth.space.dag_genotype:DagGenotype",
    "cell": "netsynth.space.cell_genotype:CellGenotype",
    "nb201": "netsynth.space.nb201_genotype:NB201Genotype",
    "zoo": "netsynth.space.zoo_genotype:ZooGenotype",
}


def genotype_from_dict(data: dict[str, Any]) -> Genotype:
    """Read any genotype written by ``to_dict``."""
    kind = data.get("space", "chain")
    if kind not in GENOTYPES:
        raise GenotypeError(f"unknown genotype space {kind!r}; known: {', '.join(GENOTYPES)}")
    module, _, name = GENOTYPES[kind].partition(":")
    cls = getattr(importlib.import_module(module), name)
    genotype: Genotype = cls.from_dict(data)
    return genotype


def canonical_json(data: Any) -> str:
    """Sorted keys, no spaces: equal data gives equal strings."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"))


def stable_hash(data: Any) -> str:
    """A 16-hex-digit id of JSON-able data, the same in every process and Python version."""
    return hashlib.sha256(canonical_json(data).encode()).hexdigest()[:16]
