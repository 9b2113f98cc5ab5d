"""Answer trials from the tabular benchmark instead of training: a search in seconds.

A trial's cell is looked up (any equivalent form finds its row); the estimator reports the
validation accuracy after each epoch up to the trial's ``epochs`` fidelity (all of the table's
by default), honours ``should_stop()`` between epochs like a real training run, and returns
``val_acc`` (the objective), the test accuracy, params, FLOPs and ``simulated_seconds``: what
training those epochs alone would have taken. Budgets in compute seconds count simulated
seconds, so ``run(max_compute_seconds=...)`` is a budget on the simulated clock.

>>> from netsynth import create_experiment
>>> table = TabularTable.load()
>>> exp = create_experiment(architecture=tabular_space(table), metric="val_acc",
...                         direction="maximize", strategy="evolution", seed=0)
>>> state = exp.run(TabularEstimator(), max_trials=30, progress=False)
>>> 0.5 < exp.best_trial.value <= 1.0
True
"""

from __future__ import annotations

from typing import Any

from netsynth.space.nb201_space import NB201Space, NB201SpaceConfig
from netsynth.space.training_space import TrainingSpaceConfig
from netsynth.tabular.table import TabularTable
from netsynth.trial import Trial


def tabular_space(table: TabularTable | None = None) -> NB201Space:
    """The NB201 space the table covers: its ops and skeleton, its recipe fixed (so the flat
    view is the six edges)."""
    table = table or TabularTable.load()
    recipe = table.header["recipe"]
    training = TrainingSpaceConfig(
        optimizer="sgd",
        lr=recipe["learning_rate"],
        batch_size=recipe["batch_size"],
        momentum=recipe["momentum"],
        weight_decay=recipe["weight_decay"],
        epochs=recipe["epochs"],
        augment=0.0,
        schedule="cosine",
    )
    return NB201Space(
        NB201SpaceConfig(
            ops=list(table.ops),
            init_channels=recipe["init_channels"],
            cells_per_stage=recipe["cells_per_stage"],
            training=training,
        )
    )


class TabularEstimator:
    """``TabularEstimator()`` reads the shipped table; ``TabularEstimator(path)`` another."""

    def __init__(self, table: str | None = None) -> None:
        self.table_path = table
        self.table = TabularTable.load(table)
        self.space = tabular_space(self.table)

    def estimate(self, trial: Trial) -> dict[str, float]:
        genotype, _ = self.space.decode(trial.params)
        row = self.table.row(genotype.ops)  # type: ignore[attr-defined]
        other = sorted(set(trial.fidelity) - {"epochs"})
        if other:
            raise ValueError(
                f"the tabular benchmark holds results per epoch only; it cannot answer the "
                f"fidelity {', '.join(other)} (use a scheduler with resource: epochs)"
            )
        epochs = int(trial.fidelity.get("epochs", self.table.epochs))
        if not 1 <= epochs <= self.table.epochs:
            raise ValueError(
                f"fidelity epochs={epochs} is outside the table's 1..{self.table.epochs} epochs"
            )
        trial.set_attr("genotype", genotype.to_dict())
        trial.set_attr("architecture", genotype.describe())  # type: ignore[attr-defined]
        done = 0
        for epoch in range(epochs):
            done = epoch + 1
            trial.report(
                done,
                val_acc=float(row.val_acc[epoch]),
                train_loss=float(row.train_loss[epoch]),
                simulated_seconds=done * row.epoch_seconds,
            )
            if trial.should_stop():
                break
        metrics = {
            "val_acc": float(row.val_acc[done - 1]),
            "params": float(row.params),
            "flops": float(row.flops),
            "epochs": float(done),
            "simulated_seconds": done * row.epoch_seconds,
        }
        if done == self.table.epochs:  # the table's test accuracy is after the last epoch
            metrics["test_acc"] = row.test_acc
        return metrics

    def to_dict(self) -> dict[str, Any]:
        return {"type": "tabular", "table": self.table_path}
