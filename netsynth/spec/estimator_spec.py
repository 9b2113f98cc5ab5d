"""``estimator: {type: ..., <options>}``: how a spec's candidates are scored.

One block, its ``type`` picking the estimator and the other keys its options:

```yaml
estimator: {type: training}                      # the default: train every candidate
estimator: {type: inheritance, epochs: 2}        # children start from their parent's weights
estimator: {type: oneshot, method: darts}        # one weight-sharing search inside one trial
estimator: {type: tapas, tau: 0.05}              # predicted by TAPAS, nothing trained
estimator: {type: zero_cost, proxy: synflow}     # scored by a zero-cost proxy, untrained
estimator: {type: tabular}                       # answered from the MNIST-1D table
estimator: {type: tabular, benchmark: nb201/cifar10}  # from the published NAS-Bench-201
```
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, field_validator, model_validator

from netsynth.strict_model import Strict

ESTIMATOR_TYPES = ("training", "inheritance", "oneshot", "tapas", "zero_cost", "tabular")


class TrainingEstimatorSpec(Strict):
    """Every candidate is trained at its fidelity. ``lde``: the shared LDE (a storage URL;
    null: the experiment's own storage) that every experiment's trained trials join as
    RETRAINING starts, for TAPAS to learn from."""

    type: Literal["training"] = "training"
    lde: str | None = None


class InheritanceEstimatorSpec(Strict):
    """Weight inheritance: a child mutated from a trained parent starts from the parent's
    weights (network morphisms where they preserve its function) and trains ``epochs``
    epochs instead of its own. Each trial's weights are kept under export_dir/trials."""

    type: Literal["inheritance"]
    epochs: int = Field(ge=1)
    lde: str | None = None  # as for type training


class OneShotEstimatorSpec(Strict):
    """A one-shot search inside one trial: DARTS of the nb201 or the cell space, ENAS of the
    nb201 space. The trial trains a weight-sharing supernet and ends with a derived genotype
    (see netsynth.oneshot; the other fields are ``OneShotConfig``'s)."""

    type: Literal["oneshot"]
    method: Literal["darts", "enas"] = "darts"
    order: Literal[1, 2] = 1
    remedy: Literal["none", "early_stop", "perturbation"] = "none"
    epochs: int = Field(default=10, ge=1)
    batch_size: int = Field(default=64, ge=1)
    options: dict[str, Any] = Field(default_factory=dict)  # any other OneShotConfig field

    @field_validator("options")
    @classmethod
    def _known_options(cls, options: dict[str, Any]) -> dict[str, Any]:
        from dataclasses import fields

        from netsynth.oneshot.config import OneShotConfig

        known = {f.name for f in fields(OneShotConfig)} - set(cls.model_fields)
        unknown = sorted(set(options) - known)
        if unknown:
            raise ValueError(
                f"unknown option(s) {', '.join(unknown)}; allowed: {', '.join(sorted(known))}"
            )
        return options

    def config(self) -> dict[str, Any]:
        """The ``OneShotConfig`` fields this block sets."""
        settings = self.model_dump(exclude={"type", "options"})
        return {**self.options, **settings}


class TapasEstimatorSpec(Strict):
    """Candidates are predicted, not trained, by the TAP learned from the LDE (``lde``, plus
    the seed records shipped with netsynth): ``tau`` is the DCN window of the records it
    learns from, ``min_records`` the fewest (nearest datasets are added to reach it)."""

    type: Literal["tapas"]
    lde: str | None = None
    tau: float = Field(default=0.05, gt=0, le=1)
    min_records: int = Field(default=100, ge=1)
    fit_epochs: int = Field(default=40, ge=1)  # passes of the TAP's fit over its records
    # data-free zero-cost proxies as extra TAP inputs (see netsynth.tapas.proxy_features)
    proxies: list[Literal["synflow", "params"]] = Field(default_factory=list)


class ZeroCostEstimatorSpec(Strict):
    """Each untrained candidate is scored by ``proxy`` from one minibatch of ``batch_size``
    training samples (higher is better; the trial's metric ``zero_cost``)."""

    type: Literal["zero_cost"]
    proxy: Literal["synflow", "naswot", "snip", "grad_norm", "params"] = "synflow"
    batch_size: int = Field(default=64, ge=2)
    lde: str | None = None  # as for type training (the retrained finalists join it)


class TabularEstimatorSpec(Strict):
    """Answer trials from a tabular benchmark instead of training: the search space is the
    table's, and budgets in compute seconds count simulated seconds. ``benchmark``: a
    published table by name (``nb201/cifar10``, ``nb201/cifar100``, ``nb201/imagenet16-120``,
    ``hpobench/<task>``, ``fcnet/<dataset>``; needs ``pip install "netsynth[benchmarks]"``),
    each answer one training seed drawn at random, charging its training time times
    ``cost_scale``. ``table``: a table file (relative to the spec). Neither: the MNIST-1D
    table shipped with netsynth."""

    type: Literal["tabular"]
    table: str | None = None
    benchmark: str | None = None
    cost_scale: float = Field(default=1.0, gt=0)

    @field_validator("benchmark")
    @classmethod
    def _known_benchmark(cls, benchmark: str | None) -> str | None:
        if benchmark is not None:
            from netsynth.tabular.published import split_name

            split_name(benchmark)  # a ValueError naming the known benchmarks
        return benchmark

    @model_validator(mode="after")
    def _one_source(self) -> TabularEstimatorSpec:
        if self.table is not None and self.benchmark is not None:
            raise ValueError(
                "give either table (a file) or benchmark (a published table's name), not both"
            )
        if self.cost_scale != 1.0 and self.benchmark is None:
            raise ValueError("cost_scale applies to a published benchmark only")
        return self


EstimatorSpec = Annotated[
    TrainingEstimatorSpec
    | InheritanceEstimatorSpec
    | OneShotEstimatorSpec
    | TapasEstimatorSpec
    | ZeroCostEstimatorSpec
    | TabularEstimatorSpec,
    Field(discriminator="type"),
]
