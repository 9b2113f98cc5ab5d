"""The genotype of a chain-structured (layer-based) network: plain data.

A genotype names layers, never modules: it crosses process boundaries as JSON, hashes stably
for de-duplication, and ``netsynth.nn.build`` turns it into a ``torch.nn.Module``.

>>> g = ChainGenotype((Layer("conv", width=32, kernel=5, activation="gelu", norm="batch"),
...                    Layer("maxpool", kernel=2), Layer("dense", width=64)))
>>> ChainGenotype.from_dict(g.to_dict()) == g
True
>>> len(g.hash())
16
>>> g.describe()
'conv5x32-bn-gelu > maxpool2 > gavgp > dense64-relu > linear'
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from typing import Any

from netsynth.space.genotype import GenotypeError, canonical_json, stable_hash

SPATIAL_OPS = ("conv", "sepconv", "maxpool", "avgpool")
POOL_OPS = ("maxpool", "avgpool")
OPS = (*SPATIAL_OPS, "dense")
ACTIVATIONS = ("relu", "gelu", "silu", "elu", "tanh")
NORMS = ("none", "batch", "layer")
GLOBAL_POOLS = ("avg", "max")


@dataclass(frozen=True)
class Layer:
    """One layer. ``width`` is output channels (conv, sepconv) or units (dense); ``kernel`` is
    the kernel size (conv, sepconv) or pooling window (pools, always stride 2)."""

    op: str
    width: int = 0
    kernel: int = 0
    activation: str = "relu"
    norm: str = "none"
    dropout: float = 0.0

    def __post_init__(self) -> None:
        if self.op not in OPS:
            raise GenotypeError(f"unknown layer op {self.op!r}; known: {', '.join(OPS)}")
        if self.op in POOL_OPS:
            # Pools carry only their window; canonical form drops everything else.
            object.__setattr__(self, "width", 0)
            object.__setattr__(self, "activation", "relu")
            object.__setattr__(self, "norm", "none")
            object.__setattr__(self, "dropout", 0.0)
            if self.kernel < 2:
                raise GenotypeError(f"{self.op} needs a window >= 2, got {self.kernel}")
        else:
            if self.width < 1:
                raise GenotypeError(f"{self.op} needs width >= 1, got {self.width}")
            if self.activation not in ACTIVATIONS:
                raise GenotypeError(
                    f"unknown activation {self.activation!r}; known: {', '.join(ACTIVATIONS)}"
                )
            if self.norm not in NORMS:
                raise GenotypeError(f"unknown norm {self.norm!r}; known: {', '.join(NORMS)}")
            if not 0.0 <= self.dropout < 1.0:
                raise GenotypeError(f"dropout must be in [0, 1), got {self.dropout}")
        if self.op == "dense":
            object.__setattr__(self, "kernel", 0)
        elif self.op in ("conv", "sepconv") and self.kernel < 1:
            raise GenotypeError(f"{self.op} needs kernel >= 1, got {self.kernel}")

    @property
    def is_spatial(self) -> bool:
        return self.op in SPATIAL_OPS


@dataclass(frozen=True)
class ChainGenotype:
    """Spatial layers (conv, sepconv, pools), a global pooling, dense layers, a classifier.

    The layers are kept in the order given; ``repair`` moves dense layers behind the spatial
    ones and drops what an input cannot take (see ``netsynth.nn.repair``)."""

    layers: tuple[Layer, ...] = field(default_factory=tuple)
    global_pool: str = "avg"

    def __post_init__(self) -> None:
        object.__setattr__(self, "layers", tuple(self.layers))
        if self.global_pool not in GLOBAL_POOLS:
            raise GenotypeError(
                f"unknown global pool {self.global_pool!r}; known: {', '.join(GLOBAL_POOLS)}"
            )

    def to_dict(self) -> dict[str, Any]:
        return {
            "space": "chain",
            "layers": [asdict(layer) for layer in self.layers],
            "global_pool": self.global_pool,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ChainGenotype:
        if data.get("space", "chain") != "chain":
            raise GenotypeError(f"not a chain genotype: space={data.get('space')!r}")
        try:
            layers = tuple(Layer(**layer) for layer in data["layers"])
        except TypeError as exc:
            raise GenotypeError(f"bad layer description: {exc}") from None
        return cls(layers, data.get("global_pool", "avg"))

    def to_json(self) -> str:
        """Canonical JSON: sorted keys, no spaces — equal genotypes give equal strings."""
        return canonical_json(self.to_dict())

    def hash(self) -> str:
        """A stable 16-hex-digit id (the same in every process and Python version)."""
        return stable_hash(self.to_dict())

    def with_layers(self, layers: tuple[Layer, ...]) -> ChainGenotype:
        return replace(self, layers=tuple(layers))

    def describe(self) -> str:
        """One line, e.g. ``conv5x32-bn-gelu > maxpool2 > gavgp > dense64-relu > linear``."""
        parts = []
        for layer in self.layers:
            if layer.op in POOL_OPS:
                parts.append(f"{layer.op}{layer.kernel}")
                continue
            text = (
                f"{layer.op}{layer.kernel}x{layer.width}" if layer.kernel else f"dense{layer.width}"
            )
            if layer.norm != "none":
                text += f"-{layer.norm[0]}n"
            text += f"-{layer.activation}"
            if layer.dropout:
                text += f"-d{layer.dropout:g}"
            parts.append(text)
        spatial = [p for p, layer in zip(parts, self.layers, strict=True) if layer.is_spatial]
        dense = [p for p, layer in zip(parts, self.layers, strict=True) if not layer.is_spatial]
        return " > ".join([*spatial, f"g{self.global_pool}p", *dense, "linear"])
