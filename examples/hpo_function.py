"""Define-by-run HPO from Python, stored in SQLite: run it twice and the second run continues.

python examples/hpo_function.py
"""

from __future__ import annotations

import math

import netsynth


def objective(trial: netsynth.Trial) -> float:
    lr = trial.suggest_float("lr", 1e-4, 1e-1, log=True)
    layers = trial.suggest_int("layers", 1, 4)
    optimizer = trial.suggest_categorical("optimizer", ["sgd", "adam"])
    momentum = trial.suggest_float("momentum", 0.0, 0.99) if optimizer == "sgd" else 0.0
    # A stand-in for validation accuracy after some epochs of training.
    best_lr = 3e-3 if optimizer == "adam" else 3e-2
    val_acc = 0.0
    for epoch in range(5):
        val_acc = (
            0.98
            - 0.05 * (math.log10(lr) - math.log10(best_lr)) ** 2
            - 0.02 * abs(layers - 3)
            - (0.03 * (1 - momentum) if optimizer == "sgd" else 0.0)
            - 0.1 / (epoch + 1)
        )
        trial.report(epoch, val_acc=val_acc)
        if trial.should_stop():
            break
    return val_acc


if __name__ == "__main__":
    experiment = netsynth.create_experiment(
        "hpo-function",
        storage="sqlite:///netsynth.db",
        metric="val_acc",
        direction="maximize",
        seed=0,
        load_if_exists=True,
    )
    experiment.run(objective, max_trials=50)
    experiment.print_leaderboard(top=5)
