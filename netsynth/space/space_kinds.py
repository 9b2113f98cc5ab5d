"""The space types netsynth knows, by name: each one's class, genotype class and builder.

``SPACES`` maps a space type to its class, imported on first use; the space class names its
genotype class and the builder of its networks, so reading a stored genotype
(``genotype_from_dict``) and building it (``netsynth.nn.build``) need nothing but the
``"space"`` key the genotype was written with. Kept apart from the space classes themselves,
which read other spaces' genotypes through it.
"""

from __future__ import annotations

from typing import Any

from netsynth.registry import Registry
from netsynth.space.genotype import Genotype, GenotypeError

# space type -> its class, imported on first use.
SPACES: Registry[Any] = Registry(
    "space type",
    {
        "chain": "netsynth.space.chain_space:ChainSpace",
        "dag": "netsynth.space.dag_space:DagSpace",
        "cell": "netsynth.space.cell_space:CellSpace",
        "nb201": "netsynth.space.nb201_space:NB201Space",
        "zoo": "netsynth.space.zoo_space:ZooSpace",
        "union": "netsynth.space.union_space:UnionSpace",
        "shortlist": "netsynth.space.shortlist_space:ShortlistSpace",
    },
)


def genotype_from_dict(data: dict[str, Any]) -> Genotype:
    """Read any genotype written by ``to_dict``: the ``"space"`` key names the space whose
    genotype class reads it (see ``netsynth.space.architecture_space.SPACES``)."""
    genotype: Genotype = genotype_class(data.get("space", "chain")).from_dict(data)
    return genotype


def genotype_class(kind: str) -> type[Any]:
    """The genotype class of space ``kind``; a ``GenotypeError`` for a kind without one (the
    union and the shortlist hold other spaces' genotypes)."""
    space = SPACES.get(kind)
    if space is None or space.genotype_class is None:
        known = [name for name, cls in SPACES.items() if cls.genotype_class is not None]
        raise GenotypeError(f"unknown genotype space {kind!r}; available: {', '.join(known)}")
    found: type[Any] = space.genotype_class
    return found


def builder_target(kind: str) -> str:
    """``"module:function"`` of the builder of space ``kind``'s genotypes (see
    ``netsynth.nn.build``); a ``GenotypeError`` for a kind without one."""
    space = SPACES.get(kind)
    if space is None or space.builder is None:
        raise GenotypeError(f"no builder for genotypes of space {kind!r}")
    target: str = space.builder
    return target
