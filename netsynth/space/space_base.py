"""``BaseArchitectureSpace``: what every architecture space shares, written once.

A space is one class in one file. ``class ChainSpace(BaseArchitectureSpace[ChainSpaceConfig,
ChainGenotype])`` names its pydantic configuration (``config_class``, whose ``type`` is the
space's ``kind``, the name a spec uses) and its genotypes (``genotype_class``; ``Genotype``
itself for a space of other spaces' genotypes); ``builder`` names the function that turns its
genotypes into modules. The rest is what is its own — the architecture choices of its flat view
(``_add_choices``), how flat values become a genotype and back (``_genotype_of``,
``_architecture_params``), its local changes (``neighbours``), and what the protocol asks of
each space alone (``encode``, ``canonical``, ``repair``, ``graph``). The base adds the training
hyperparameters, writes ``decode``, ``params_of``, ``sample``, ``mutate``, ``from_dict`` /
``to_dict`` and ``genotype_from_dict``, and checks that a genotype is of the space's kind.
Registered in ``netsynth.space.architecture_space.SPACES``, a space is found by specs,
``genotype_from_dict`` and ``netsynth.nn.build``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar, Generic, TypeVar, get_args, get_origin

import numpy as np

from netsynth.space.distributions import ParamValue
from netsynth.space.genotype import Genotype, GenotypeError
from netsynth.space.search_space import SearchSpace, checked_params
from netsynth.space.space_kinds import genotype_from_dict
from netsynth.space.training_space import (
    FlatBuilder,
    TrainingSpaceConfig,
    decode_training,
    training_params,
)
from netsynth.strict_model import Strict
from netsynth.training_config import TrainingConfig

ConfigT = TypeVar("ConfigT", bound=Strict)
GenotypeT = TypeVar("GenotypeT", bound=Genotype)
SpaceT = TypeVar("SpaceT", bound="BaseArchitectureSpace[Any, Any]")


class BaseArchitectureSpace(Generic[ConfigT, GenotypeT]):
    """The ``ArchitectureSpace`` protocol's shared half; see the module docstring."""

    # Set from the class's type arguments (see ``__init_subclass__``).
    kind: str
    config_class: ClassVar[type[Any]]
    # None for a space of other spaces' genotypes (union, shortlist), which reads genotypes
    # through ``genotype_from_dict``.
    genotype_class: ClassVar[type[Any] | None] = None
    # "module:function(genotype, input_shape, num_classes, *, width_multiplier)".
    builder: ClassVar[str | None] = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        for base in getattr(cls, "__orig_bases__", ()):
            if get_origin(base) is BaseArchitectureSpace:
                config_class, genotype_class = get_args(base)
                cls.config_class = config_class
                cls.kind = config_class.model_fields["type"].default
                cls.genotype_class = None if genotype_class is Genotype else genotype_class

    def __init__(self, config: ConfigT | None = None) -> None:
        self.config: ConfigT = config if config is not None else self.config_class()
        self._prepare()
        self._flat, self._fixed = self._build_flat()

    @classmethod
    def from_dict(cls: type[SpaceT], data: dict[str, Any]) -> SpaceT:
        return cls(cls.config_class.model_validate(data))

    def to_dict(self) -> dict[str, Any]:
        return self.config.model_dump(mode="json")

    # -- what each space writes ----------------------------------------------------------------

    def _prepare(self) -> None:
        """Derive what the flat view needs from ``self.config`` (runs before it is built)."""

    def _add_choices(self, flat: FlatBuilder) -> None:
        """Add the architecture parameters of the flat view (training ones come after)."""
        raise NotImplementedError

    def _genotype_of(self, values: Mapping[str, ParamValue]) -> GenotypeT:
        """The genotype the flat ``values`` (fixed and searched) describe."""
        raise NotImplementedError

    def _architecture_params(self, genotype: Genotype) -> dict[str, ParamValue]:
        """The flat architecture params of ``genotype`` (``GenotypeError`` if not in the
        space); ``params_of`` adds the training ones and checks the whole."""
        raise NotImplementedError

    def neighbours(self, genotype: Genotype) -> list[Genotype]:
        """Every genotype one local change away."""
        raise NotImplementedError

    def encode(self, genotype: Genotype) -> np.ndarray:
        """A fixed-length float vector of the genotype, for predictors."""
        raise NotImplementedError

    def canonical(self, genotype: Genotype) -> Genotype:
        """The representative of the genotype's equivalence class."""
        raise NotImplementedError

    def repair(self, genotype: Genotype, input_shape: Sequence[int]) -> Genotype:
        """A genotype the input can take (or ``GenotypeError`` if none is near)."""
        raise NotImplementedError

    def graph(self, genotype: Genotype) -> dict[str, Any]:
        """Nodes and edges for drawing (see ``ArchitectureSpace.graph``)."""
        raise NotImplementedError

    # -- the flat view -------------------------------------------------------------------------

    def flat(self) -> SearchSpace:
        """The labelled view: architecture choices and training hyperparameters."""
        return self._flat

    def _build_flat(self) -> tuple[SearchSpace, dict[str, ParamValue]]:
        flat = FlatBuilder()
        self._add_choices(flat)
        training: TrainingSpaceConfig = self.config.training  # type: ignore[attr-defined]
        flat.add_training(training)
        return SearchSpace(flat.distributions, flat.conditions), flat.fixed

    def decode(self, params: Mapping[str, ParamValue]) -> tuple[GenotypeT, TrainingConfig]:
        """The genotype and training configuration that flat ``params`` describe."""
        values = {**self._fixed, **params}
        return self._genotype_of(values), decode_training(values)

    def params_of(self, genotype: Genotype, training: TrainingConfig) -> dict[str, ParamValue]:
        """The flat params that decode to ``genotype`` and ``training`` (inverse of decode)."""
        params = self._architecture_params(genotype)
        params.update(training_params(training, set(self._flat)))
        return checked_params(self._flat, params, self._fixed)

    # -- the structured view -------------------------------------------------------------------

    def sample(self, rng: np.random.Generator) -> GenotypeT:
        """A genotype drawn through the flat view (so both views draw alike)."""
        return self.decode(self._flat.sample(rng))[0]

    def mutate(self, genotype: Genotype, rng: np.random.Generator) -> Genotype:
        """A neighbour drawn uniformly; the genotype itself in a space of one architecture."""
        options = self.neighbours(genotype)
        if not options:
            return genotype
        return options[int(rng.integers(len(options)))]

    def genotype_from_dict(self, data: dict[str, Any]) -> Genotype:
        """A genotype of this space, read from its ``to_dict`` (a space of other spaces'
        genotypes reads any of them)."""
        if self.genotype_class is None:
            return genotype_from_dict(data)
        genotype: Genotype = self.genotype_class.from_dict(data)
        return genotype

    def _own(self, genotype: Genotype) -> GenotypeT:
        """``genotype`` if it is of this space's kind; a ``GenotypeError`` otherwise."""
        if self.genotype_class is None or not isinstance(genotype, self.genotype_class):
            raise GenotypeError(
                f"a {self.kind} space takes {self.kind} genotypes, got {type(genotype).__name__}"
            )
        own: GenotypeT = genotype
        return own
