"""Answer trials from a published tabular benchmark (NAS-Bench-201, HPOBench, FCNet).

``estimator: {type: tabular, benchmark: nb201/cifar10}`` in a spec. Like NAS-Bench-201's own
search experiments, each trial observes one training seed drawn at random among those the
table holds (so the noise a real search sees is kept), and the simulated clock advances by that
seed's training time (times ``cost_scale``): a budget in compute seconds is a budget on that
clock. Each answer also carries the ground truth, ``mean_val_acc`` (``mean_val_loss`` for
FCNet): the configuration's mean over seeds, which is what a chosen configuration is judged by.

The seed drawn depends only on the experiment's seed and the trial's number, so a seeded search
is reproducible, resumed or spread over workers.

>>> from netsynth import create_experiment
>>> estimator = PublishedTableEstimator("nb201/cifar10")  # doctest: +SKIP
>>> exp = create_experiment(architecture=estimator.architecture_space(),  # doctest: +SKIP
...                         metric="val_acc", direction="maximize", strategy="evolution", seed=0)
>>> exp.run(estimator, max_trials=100, progress=False)  # doctest: +SKIP
"""

from __future__ import annotations

from typing import Any

from netsynth.space.distributions import CategoricalDistribution
from netsynth.space.nb201_genotype import EDGES, NB201Genotype
from netsynth.space.nb201_space import NB201Space, NB201SpaceConfig
from netsynth.space.search_space import SearchSpace
from netsynth.space.seeded_draw import unit_draw
from netsynth.space.training_space import TrainingSpaceConfig
from netsynth.tabular.published import PublishedTable, table_params
from netsynth.trial import Trial

# NAS-Bench-201's one training recipe (its networks: 16 initial channels, 5 cells per stage).
NB201_TRAINING = TrainingSpaceConfig(
    optimizer="sgd",
    lr=0.1,
    batch_size=256,
    momentum=0.9,
    weight_decay=5e-4,
    epochs=200,
    augment=0.0,
    schedule="cosine",
)


def benchmark_architecture(benchmark: str) -> NB201Space | None:
    """The NB201 space a NAS-Bench-201 table covers (its flat view is the six edges, the
    training fixed to the table's recipe); None for a table of hyperparameters."""
    params = table_params(benchmark)
    if "e0" not in params:
        return None
    ops = [str(op) for op in params["e0"]]
    return NB201Space(NB201SpaceConfig(ops=ops, training=NB201_TRAINING))


def benchmark_parameters(benchmark: str) -> SearchSpace:
    """The flat space of a table: one categorical per parameter, the table's choices."""
    return SearchSpace(
        {name: CategoricalDistribution(tuple(c)) for name, c in table_params(benchmark).items()}
    )


class PublishedTableEstimator:
    """``PublishedTableEstimator("nb201/cifar10")``; ``cost_scale`` multiplies the simulated
    training time of each answer (e.g. ``12 / 200`` to approximate 12-epoch training)."""

    def __init__(self, benchmark: str, cost_scale: float = 1.0) -> None:
        if not cost_scale > 0:
            raise ValueError(f"cost_scale must be > 0, got {cost_scale!r}")
        self.benchmark = benchmark
        self.cost_scale = float(cost_scale)
        self.table = PublishedTable.load(benchmark)

    @property
    def metric(self) -> str:
        return self.table.metric

    @property
    def direction(self) -> str:
        return self.table.direction

    def architecture_space(self) -> NB201Space | None:
        """The NB201 space the table covers, or None for a table of hyperparameters."""
        return benchmark_architecture(self.benchmark)

    def search_space(self) -> SearchSpace:
        """The flat space of the table: one categorical per parameter."""
        return benchmark_parameters(self.benchmark)

    def estimate(self, trial: Trial) -> dict[str, float]:
        if trial.fidelity:
            raise ValueError(
                f"the {self.benchmark} table holds final results only (no learning curves), so "
                f"it cannot answer the fidelity {trial.fidelity}; search without a scheduler, "
                "or use the MNIST-1D table (estimator: {type: tabular}) for multi-fidelity"
            )
        try:
            row = self.table.index(trial.params)
        except KeyError as exc:
            raise ValueError(str(exc.args[0])) from None
        seed = self.table.seed_of(row, unit_draw(trial.task.seed, trial.number, "table_seed"))
        answer = self.table.answer(row, seed)
        if self.table.family == "nb201":
            genotype = NB201Genotype(tuple(str(trial.params[f"e{k}"]) for k in range(len(EDGES))))
            trial.set_attr("genotype", genotype.to_dict())
            trial.set_attr("architecture", genotype.describe())
        trial.set_attr("table_seed", seed)
        metrics = {
            **answer,
            "simulated_seconds": answer["train_seconds"] * self.cost_scale,
            "epochs": float(self.table.epochs),
        }
        trial.report(self.table.epochs, **metrics)
        return metrics

    def to_dict(self) -> dict[str, Any]:
        return {"type": "tabular", "benchmark": self.benchmark, "cost_scale": self.cost_scale}
