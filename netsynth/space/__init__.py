"""Search spaces: hyperparameter distributions and the flat labelled view strategies use."""

from netsynth.space.distributions import (
    CategoricalDistribution,
    Distribution,
    FloatDistribution,
    IntDistribution,
    ParamValue,
    distribution_from_dict,
)
from netsynth.space.search_space import Condition, SearchSpace
from netsynth.space.seeded_draw import seeded_draw, unit_draw

__all__ = [
    "CategoricalDistribution",
    "Condition",
    "Distribution",
    "FloatDistribution",
    "IntDistribution",
    "ParamValue",
    "SearchSpace",
    "distribution_from_dict",
    "seeded_draw",
    "unit_draw",
]
