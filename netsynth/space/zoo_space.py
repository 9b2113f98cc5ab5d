"""The zoo space: standard architectures (ResNet, WideResNet, MobileNet, EfficientNet, VGG,
MLP) with their variants and width / depth multipliers, joint with training hyperparameters.

The flat view has ``family``, then per family ``<family>.variant``,
``<family>.width_multiplier``, ``<family>.depth_multiplier`` (and ``resnet.se``), each active
only when that family is chosen, then the training parameters.

>>> import numpy as np
>>> space = ZooSpace(ZooSpaceConfig(families=["resnet", "mlp"]))
>>> params = space.flat().sample(np.random.default_rng(0))
>>> genotype, training = space.decode(params)
>>> space.params_of(genotype, training) == params
True
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any, Literal, get_args

import numpy as np
from pydantic import Field, ValidationInfo, field_validator, model_validator

from netsynth.space.distributions import ParamValue
from netsynth.space.genotype import Genotype, GenotypeError
from netsynth.space.one_hot import one_hot, unique
from netsynth.space.search_space import Condition
from netsynth.space.space_base import BaseArchitectureSpace
from netsynth.space.training_space import FlatBuilder, TrainingSpaceConfig
from netsynth.space.zoo_genotype import (
    FAMILIES,
    ZooGenotype,
    check_family_input,
    check_variant,
)
from netsynth.space.zoo_graph import zoo_graph
from netsynth.strict_model import Strict
from netsynth.training_config import TrainingConfig

Family = Literal["resnet", "wideresnet", "mobilenet", "efficientnet", "vgg", "mlp"]
assert get_args(Family) == FAMILIES  # one list of families

# Variants searched unless ``variants`` says otherwise: small enough for a CPU.
DEFAULT_VARIANTS: dict[str, list[str]] = {
    "resnet": ["8", "14", "20"],
    "wideresnet": ["10-2", "16-2"],
    "mobilenet": ["v2", "v3_small"],
    "efficientnet": ["b0"],
    "vgg": ["11", "13"],
    "mlp": ["1x256", "2x256", "3x256"],
}


class ZooSpaceConfig(Strict):
    """``space: {type: zoo, ...}`` in a spec."""

    type: Literal["zoo"] = "zoo"
    families: list[Family] = Field(default=[*get_args(Family)], min_length=1)
    variants: dict[Family, list[str]] = Field(default_factory=dict)
    width_multipliers: list[float] = Field(default=[0.5, 1.0], min_length=1)
    depth_multipliers: list[float] = Field(default=[0.5, 1.0], min_length=1)
    se: list[bool] = Field(default=[False, True], min_length=1)
    weights: dict[Family, str] = Field(default_factory=dict)  # family -> safetensors file
    training: TrainingSpaceConfig = TrainingSpaceConfig()

    @field_validator("variants", mode="before")
    @classmethod
    def _variants_as_text(cls, value: Any) -> Any:
        # ``variants: {resnet: [8, 20]}`` reads as numbers; variants are names.
        if isinstance(value, dict):
            return {
                k: [str(v) for v in vs] if isinstance(vs, list) else vs for k, vs in value.items()
            }
        return value

    @field_validator("weights", mode="after")
    @classmethod
    def _absolute_weights(cls, value: dict[Family, str], info: ValidationInfo) -> dict[Family, str]:
        # A spec's relative paths are to its folder (the loader passes it as ``base_dir``);
        # absolute ones hold wherever a trial runs.
        base_dir = (info.context or {}).get("base_dir")
        if base_dir is None:
            return value
        resolved = {}
        for family, path in value.items():
            file = Path(path).expanduser()
            resolved[family] = str(
                file if file.is_absolute() else (Path(base_dir) / file).resolve()
            )
        return resolved

    @model_validator(mode="after")
    def _consistent(self) -> ZooSpaceConfig:
        for family, variants in self.variants.items():
            if not variants:
                raise ValueError(f"variants.{family}: give at least one variant")
            for variant in variants:
                check_variant(family, variant)
        if any(m <= 0 for m in (*self.width_multipliers, *self.depth_multipliers)):
            raise ValueError("width_multipliers and depth_multipliers must be > 0")
        for field in ("variants", "weights"):
            unused = sorted(set(getattr(self, field)) - set(self.families))
            if unused:
                raise ValueError(
                    f"{field}: {', '.join(unused)} not in families ({', '.join(self.families)})"
                )
        return self

    def family_variants(self, family: str) -> list[str]:
        variants = {str(k): v for k, v in self.variants.items()}
        return unique(variants.get(family, DEFAULT_VARIANTS[family]))

    def family_weights(self, family: str) -> str | None:
        return {str(k): v for k, v in self.weights.items()}.get(family)


class ZooSpace(BaseArchitectureSpace[ZooSpaceConfig, ZooGenotype]):
    """Standard architectures from ``families``, each with its variants and multipliers."""

    builder = "netsynth.nn.zoo:build_zoo"

    def _prepare(self) -> None:
        self._families: list[str] = unique(self.config.families)

    # -- the flat view -------------------------------------------------------------------------

    def _add_choices(self, flat: FlatBuilder) -> None:
        c = self.config
        flat.add("family", self._families)
        searched = "family" in flat.distributions
        for family in self._families:
            chosen = Condition("family", (family,)) if searched else None
            flat.add(f"{family}.variant", c.family_variants(family), chosen)
            flat.add(f"{family}.width_multiplier", unique(c.width_multipliers), chosen)
            flat.add(f"{family}.depth_multiplier", unique(c.depth_multipliers), chosen)
            if family == "resnet":
                flat.add("resnet.se", unique(c.se), chosen)

    def _genotype_of(self, values: Mapping[str, ParamValue]) -> ZooGenotype:
        family = str(values["family"])
        return ZooGenotype(
            family,
            str(values[f"{family}.variant"]),
            float(values[f"{family}.width_multiplier"]),  # type: ignore[arg-type]
            float(values[f"{family}.depth_multiplier"]),  # type: ignore[arg-type]
            se=bool(values["resnet.se"]) if family == "resnet" else False,
            weights=self.config.family_weights(family),
        )

    def _architecture_params(self, genotype: Genotype) -> dict[str, ParamValue]:
        zoo = self._own(genotype)
        family = zoo.family
        params: dict[str, ParamValue] = {
            "family": family,
            f"{family}.variant": zoo.variant,
            f"{family}.width_multiplier": zoo.width_multiplier,
            f"{family}.depth_multiplier": zoo.depth_multiplier,
        }
        if family == "resnet":
            params["resnet.se"] = zoo.se
        if family not in self._families:
            raise GenotypeError(f"family {family!r} is not in this space ({self._families})")
        if zoo.weights != self.config.family_weights(family):
            raise GenotypeError(
                f"weights {zoo.weights!r} are not this space's for {family} "
                f"({self.config.family_weights(family)!r})"
            )
        return params

    # -- the structured view -------------------------------------------------------------------

    def _in_family(self, family: str, like: ZooGenotype) -> ZooGenotype:
        """A member of ``family`` keeping ``like``'s multipliers where the space allows."""
        c = self.config

        def keep(value: float, values: list[float]) -> float:
            return value if value in values else values[0]

        return ZooGenotype(
            family,
            c.family_variants(family)[0],
            keep(like.width_multiplier, c.width_multipliers),
            keep(like.depth_multiplier, c.depth_multipliers),
            se=family == "resnet" and (like.se if like.se in c.se else c.se[0]),
            weights=c.family_weights(family),
        )

    def neighbours(self, genotype: Genotype) -> list[Genotype]:
        """Another family, variant, width or depth multiplier, or the SE flag flipped."""
        zoo, c = self._own(genotype), self.config
        result: list[Genotype] = [
            self._in_family(f, zoo) for f in self._families if f != zoo.family
        ]
        result += [
            replace(zoo, variant=v) for v in c.family_variants(zoo.family) if v != zoo.variant
        ]
        result += [
            replace(zoo, width_multiplier=w)
            for w in unique(c.width_multipliers)
            if w != zoo.width_multiplier
        ]
        result += [
            replace(zoo, depth_multiplier=d)
            for d in unique(c.depth_multipliers)
            if d != zoo.depth_multiplier
        ]
        if zoo.family == "resnet":
            result += [replace(zoo, se=s) for s in unique(c.se) if s != zoo.se]
        return result

    def encode(self, genotype: Genotype) -> np.ndarray:
        """One-hot family; per family a one-hot variant (zeros for the other families);
        one-hot width and depth multipliers; one-hot SE flag."""
        zoo, c = self._own(genotype), self.config
        parts = [one_hot(zoo.family, self._families)]
        for family in self._families:
            parts.append(
                one_hot(zoo.variant if zoo.family == family else None, c.family_variants(family))
            )
        parts.append(one_hot(zoo.width_multiplier, unique(c.width_multipliers)))
        parts.append(one_hot(zoo.depth_multiplier, unique(c.depth_multipliers)))
        parts.append(one_hot(zoo.se, [False, True]))
        return np.concatenate(parts)

    def canonical(self, genotype: Genotype) -> Genotype:
        return self._own(genotype).canonical()

    def check_input(self, input_shape: Sequence[int]) -> None:
        """Raise ``GenotypeError`` if a searched family cannot take inputs of this shape."""
        for family in self._families:
            check_family_input(family, input_shape)

    def repair(self, genotype: Genotype, input_shape: Sequence[int]) -> ZooGenotype:
        # Every family adapts its downsampling to the input; only the input kind can fail.
        zoo = self._own(genotype)
        check_family_input(zoo.family, input_shape)
        return zoo

    def graph(self, genotype: Genotype) -> dict[str, Any]:
        return zoo_graph(self._own(genotype))


# TrainingConfig: what ``decode`` returns beside the genotype.
__all__ = ["DEFAULT_VARIANTS", "TrainingConfig", "ZooSpace", "ZooSpaceConfig"]
