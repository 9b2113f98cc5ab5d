"""Joint vs sequential NAS + HPO vs standard architectures only, at equal search wall time.

For each dataset (MNIST-1D sequences, scikit-learn's 8x8 digits) three experiments search for
the same number of wall-clock seconds on the same 2 workers, then retrain their best candidate
from scratch on train+validation with the same number of epochs and test it once:

    joint       chain space, architecture and training hyperparameters in one space (random)
    sequential  stage 1: chain architectures with default training (random), half the time;
                stage 2: TPE over the training hyperparameters of stage 1's top 3, the other half
    zoo         the standard architectures (ResNet, WideResNet, MobileNet, EfficientNet, VGG,
                MLP), joint with the same training hyperparameters (random)

Prints one row per (dataset, mode): trials, search seconds, best validation accuracy, the
retrained winner's test accuracy and parameters, its retraining seconds.

    python benchmarks/modes.py [--seconds 150] [--datasets mnist1d digits] [--seed 0]
"""

from __future__ import annotations

import argparse
import os
import platform
import tempfile
import time
from pathlib import Path
from typing import Any

import torch

from netsynth.spec.compile import compile_spec
from netsynth.spec.loader import parse_spec
from netsynth.trial_record import TrialState

TRAINING: dict[str, Any] = {
    "optimizer": ["adamw", "sgd"],
    "lr": {"low": 0.001, "high": 0.03, "log": True},
    "batch_size": [64, 128],
    "momentum": {"low": 0.8, "high": 0.95},
    "weight_decay": {"low": 0.00001, "high": 0.003, "log": True},
    "augment": {"low": 0.0, "high": 0.5},
}
EPOCHS = {"mnist1d": 8, "digits": 10}
FINAL_EPOCHS = 30
CHAIN: dict[str, Any] = {
    "type": "chain",
    "min_layers": 2,
    "max_layers": 6,
    "ops": ["conv", "sepconv", "maxpool", "dense"],
    "kernels": [3, 5],
    "widths": [16, 32, 48, 64],
    "activations": ["relu", "gelu"],
    "norms": ["batch"],
    "dropouts": [0.0, 0.1],
}
ZOO: dict[str, Any] = {"type": "zoo"}


def spec(dataset: str, mode: str, seconds: float, seed: int) -> dict[str, Any]:
    training = {**TRAINING, "epochs": EPOCHS[dataset]}
    space = {**(ZOO if mode == "zoo" else CHAIN), "training": training}
    data: dict[str, Any] = {
        "name": f"{dataset}-{mode}",
        "data": {"dataset": dataset},
        "architecture": space,
        "strategy": {"name": "random"},
        "seed": seed,
        "final": {"top_k": 1, "epochs": FINAL_EPOCHS},
        "execution": {"workers": 2},
        "budget": {"max_trials": 10_000, "max_wall_seconds": seconds},
    }
    if mode == "sequential":
        data["mode"] = "sequential"
        data["budget"] = {"max_trials": 10_000, "max_wall_seconds": seconds / 2}
        data["tuning"] = {
            "top_k": 3,
            "strategy": {"name": "tpe", "n_startup_trials": 5},
            "budget": {"max_trials": 10_000, "max_wall_seconds": seconds / 2},
        }
    return data


def run(dataset: str, mode: str, seconds: float, seed: int, folder: Path) -> dict[str, Any]:
    compiled = compile_spec(
        parse_spec(spec(dataset, mode, seconds, seed), source=mode, base_dir=folder),
        source=f"{dataset}-{mode}",
        base_dir=folder,
        storage=f"sqlite:///{folder / 'modes.db'}",
    )
    experiment, options = compiled.experiment, compiled.run_options
    started = time.perf_counter()
    state = experiment.run(compiled.estimator, **options, progress=False)
    total = time.perf_counter() - started
    record = experiment.refresh()
    trials = experiment.trials()
    done = [t for t in trials if t.state is TrialState.COMPLETE]
    best = experiment.best_trial
    winner = next(e for e in record.attrs["final"] if e["trial"] == record.attrs["winner"])
    search = float(record.attrs.get("search_seconds", 0.0)) + float(
        record.attrs.get("tuning_seconds", 0.0)
    )
    return {
        "dataset": dataset,
        "mode": mode,
        "state": state.value,
        "trials": len(done),
        "stage2": sum(1 for t in done if t.attrs.get("stage") == "tuning"),
        "search_s": search,
        "best_val": best.value if best is not None else float("nan"),
        "test": winner["test_acc"],
        "params": winner["params"],
        "architecture": winner["architecture"],
        "retrain_s": winner["train_seconds"],
        "total_s": total,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=150.0, help="search wall time per mode")
    parser.add_argument("--datasets", nargs="+", default=["mnist1d", "digits"])
    parser.add_argument("--modes", nargs="+", default=["joint", "sequential", "zoo"])
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    print(
        f"# {platform.machine()}, {os.cpu_count()} cores, torch {torch.__version__}; "
        f"{args.seconds:g} s of search per mode on 2 workers, winner retrained "
        f"{FINAL_EPOCHS} epochs; seed {args.seed}"
    )
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        os.chdir(tmp)  # exports land in the temporary folder
        for dataset in args.datasets:
            for mode in args.modes:
                row = run(dataset, mode, args.seconds, args.seed, Path(tmp))
                rows.append(row)
                print(
                    f"{row['dataset']:8} {row['mode']:10} trials {row['trials']:3d} "
                    f"(stage 2: {row['stage2']}) search {row['search_s']:6.1f}s  "
                    f"best val {row['best_val']:.4f}  test {row['test']:.4f}  "
                    f"params {row['params']:,}  retrain {row['retrain_s']:5.1f}s  "
                    f"total {row['total_s']:6.1f}s  {row['architecture']}",
                    flush=True,
                )
    print()
    print("| dataset | mode | trials | search s | best val acc | test acc | params | retrain s |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for row in rows:
        trials = f"{row['trials']}" + (f" ({row['stage2']} in stage 2)" if row["stage2"] else "")
        print(
            f"| {row['dataset']} | {row['mode']} | {trials} | {row['search_s']:.0f} | "
            f"{100 * row['best_val']:.2f}% | {100 * row['test']:.2f}% | {row['params']:,} | "
            f"{row['retrain_s']:.0f} |"
        )


if __name__ == "__main__":
    main()
