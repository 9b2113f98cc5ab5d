"""The genotype of a standard ("zoo") architecture: a family, its variant and two multipliers.

Variants say which member of a family: a ResNet's depth (``"20"``: 6n+2 layers), a
WideResNet's depth and widen factor (``"16-4"``: WRN-16-4), a VGG configuration (``"11"``,
``"13"``, ``"16"``), a MobileNet version (``"v2"``, ``"v3_small"``), an EfficientNet (``"b0"``)
and an MLP's hidden layers times units (``"2x256"``). ``width_multiplier`` scales channels,
``depth_multiplier`` scales the blocks of every stage; ``se`` adds squeeze-and-excitation to a
ResNet's blocks; ``weights`` names a local safetensors file to start from.

>>> g = ZooGenotype("resnet", "20", width_multiplier=0.5, se=True)
>>> ZooGenotype.from_dict(g.to_dict()) == g
True
>>> g.describe()
'se-resnet20 w0.5 d1'
>>> input_kind((1, 40))
'sequence'
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from typing import Any

from netsynth.space.genotype import GenotypeError, canonical_json, stable_hash
from netsynth.space.zoo_tables import VGG_CONVS, scale_repeats

FAMILIES = ("resnet", "wideresnet", "mobilenet", "efficientnet", "vgg", "mlp")

# The input kinds each family takes: every convolutional family is written for 1-D and 2-D
# maps alike; only the MLP takes tables (and flattens sequences and images).
FAMILY_INPUTS: dict[str, tuple[str, ...]] = {
    "resnet": ("sequence", "image"),
    "wideresnet": ("sequence", "image"),
    "mobilenet": ("sequence", "image"),
    "efficientnet": ("sequence", "image"),
    "vgg": ("sequence", "image"),
    "mlp": ("tabular", "sequence", "image"),
}

VGG_CONFIGS = tuple(VGG_CONVS)
MOBILENET_VERSIONS = ("v2", "v3_small")
EFFICIENTNET_VERSIONS = ("b0",)

_INPUT_SHAPES = {"tabular": "(F,)", "sequence": "(C, L)", "image": "(C, H, W)"}


def input_kind(input_shape: Sequence[int]) -> str:
    """``tabular``, ``sequence`` or ``image`` for shapes ``(F,)``, ``(C, L)``, ``(C, H, W)``."""
    kinds = {1: "tabular", 2: "sequence", 3: "image"}
    if len(input_shape) not in kinds:
        raise GenotypeError(
            f"input_shape must be (F,), (C, L) or (C, H, W); got {tuple(input_shape)}"
        )
    return kinds[len(input_shape)]


def check_family_input(family: str, input_shape: Sequence[int]) -> None:
    """Raise ``GenotypeError`` naming the family, the input and what to do, unless the family
    takes inputs of ``input_shape``."""
    kind = input_kind(input_shape)
    if kind in FAMILY_INPUTS[family]:
        return
    takes = " or ".join(f"{k}s {_INPUT_SHAPES[k]}" for k in FAMILY_INPUTS[family])
    able = [f for f in FAMILIES if kind in FAMILY_INPUTS[f]]
    raise GenotypeError(
        f"the zoo family {family!r} takes {takes}, not {kind} data of shape "
        f"{tuple(input_shape)}; remove it from space.families (families that take {kind} "
        f"data: {', '.join(able)})"
    )


def check_variant(family: str, variant: str) -> None:
    """Raise ``GenotypeError`` unless ``variant`` names a member of ``family``."""
    if family == "resnet":
        ok = variant.isdigit() and int(variant) >= 8 and (int(variant) - 2) % 6 == 0
        rule = "a depth 6n+2 with n >= 1, e.g. 8, 14, 20, 32"
    elif family == "wideresnet":
        match = re.fullmatch(r"(\d+)-(\d+)", variant)
        depth, widen = (int(match[1]), int(match[2])) if match else (0, 0)
        ok = depth >= 10 and (depth - 4) % 6 == 0 and widen >= 1
        rule = "'depth-k' with depth 6n+4 (n >= 1) and widen factor k >= 1, e.g. 10-2, 16-4"
    elif family == "vgg":
        ok, rule = variant in VGG_CONFIGS, f"one of {', '.join(VGG_CONFIGS)}"
    elif family == "mobilenet":
        ok, rule = variant in MOBILENET_VERSIONS, f"one of {', '.join(MOBILENET_VERSIONS)}"
    elif family == "efficientnet":
        ok, rule = variant in EFFICIENTNET_VERSIONS, f"one of {', '.join(EFFICIENTNET_VERSIONS)}"
    else:  # mlp
        match = re.fullmatch(r"(\d+)x(\d+)", variant)
        ok = match is not None and int(match[1]) >= 1 and int(match[2]) >= 1
        rule = "'layers x units' with both >= 1, e.g. 2x256"
    if not ok:
        raise GenotypeError(f"{family} variant {variant!r} is not valid; expected {rule}")


@dataclass(frozen=True)
class ZooGenotype:
    """One standard architecture; ``netsynth.nn.zoo`` builds it for any input it takes."""

    family: str
    variant: str
    width_multiplier: float = 1.0
    depth_multiplier: float = 1.0
    se: bool = False
    weights: str | None = None

    def __post_init__(self) -> None:
        if self.family not in FAMILIES:
            raise GenotypeError(f"unknown zoo family {self.family!r}; known: {', '.join(FAMILIES)}")
        object.__setattr__(self, "variant", str(self.variant))
        check_variant(self.family, self.variant)
        for name in ("width_multiplier", "depth_multiplier"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
                raise GenotypeError(f"{name} must be a number > 0, got {value!r}")
            object.__setattr__(self, name, float(value))
        if self.se and self.family != "resnet":
            raise GenotypeError(
                f"se applies to resnet only ({self.family} has its own design); got se=True"
            )

    def to_dict(self) -> dict[str, Any]:
        return {"space": "zoo", **asdict(self)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ZooGenotype:
        if data.get("space") != "zoo":
            raise GenotypeError(f"not a zoo genotype: space={data.get('space')!r}")
        fields = {k: v for k, v in data.items() if k != "space"}
        try:
            return cls(**fields)
        except TypeError as exc:
            raise GenotypeError(f"bad zoo genotype: {exc}") from None

    def canonical(self) -> ZooGenotype:
        """Where the variant counts the blocks (ResNet, WideResNet, MLP), the depth multiplier
        folded into it: ``resnet 14 x0.5`` builds the same network as ``resnet 8 x1``."""
        if self.depth_multiplier == 1.0 or self.family not in ("resnet", "wideresnet", "mlp"):
            return self
        numbers = [int(n) for n in re.findall(r"\d+", self.variant)]
        if self.family == "resnet":
            variant = str(6 * scale_repeats((numbers[0] - 2) // 6, self.depth_multiplier) + 2)
        elif self.family == "wideresnet":
            blocks = scale_repeats((numbers[0] - 4) // 6, self.depth_multiplier)
            variant = f"{6 * blocks + 4}-{numbers[1]}"
        else:
            variant = f"{scale_repeats(numbers[0], self.depth_multiplier)}x{numbers[1]}"
        return replace(self, variant=variant, depth_multiplier=1.0)

    def to_json(self) -> str:
        return canonical_json(self.to_dict())

    def hash(self) -> str:
        """Equal for genotypes that build the same network (see ``canonical``)."""
        return stable_hash(self.canonical().to_dict())

    def describe(self) -> str:
        """One line, e.g. ``se-resnet20 w0.5 d1`` or ``wideresnet16-4 w1 d1 +weights``."""
        name = ("se-" if self.se else "") + self.family + self.variant.replace("_", "-")
        text = f"{name} w{self.width_multiplier:g} d{self.depth_multiplier:g}"
        return text + (" +weights" if self.weights else "")
