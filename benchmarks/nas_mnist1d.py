"""Architecture search on MNIST-1D, and the per-epoch overhead of netsynth's estimator.

1. Runs examples/mnist1d.yaml end to end (search, retrain, test, export) in a temporary
   folder and prints its wall time, the winner's test accuracy and parameter count.
   Targets (issue: first NAS): <= 15 minutes on 2 CPU cores, >= 98.5% test accuracy with
   <= 100k parameters.
2. Trains the winner's genotype with the winner's training configuration twice on the same
   data: through netsynth's training estimator, and with a hand-written plain-PyTorch loop
   (same model, optimizer, schedule, batches, a validation pass per epoch). Prints seconds
   per epoch of each and the ratio. Target: netsynth within 10% of the plain loop.

    python benchmarks/nas_mnist1d.py [--overhead-epochs 20] [--repeats 3]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import tempfile
import time
from pathlib import Path

import torch
import torch.nn.functional as F

import netsynth
from netsynth.cli import main as netsynth_main
from netsynth.estimation.training import TrainingEstimator
from netsynth.nn import build
from netsynth.runner.stored_estimator import estimator_from_config
from netsynth.space.chain_genotype import ChainGenotype
from netsynth.training_config import TrainingConfig

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "mnist1d.yaml"


def plain_epochs(
    estimator: TrainingEstimator, genotype: ChainGenotype, config: TrainingConfig, seed: int
) -> float:
    """Seconds per epoch of a minimal hand-written loop: the reference a user would write."""
    splits = estimator.splits()
    x = torch.as_tensor(splits.train.x)
    y = torch.as_tensor(splits.train.y)
    xv = torch.as_tensor(splits.val.x)
    yv = torch.as_tensor(splits.val.y)
    torch.manual_seed(seed)
    model = build(genotype, splits.input_shape, splits.num_classes)
    optimizer = torch.optim.AdamW(
        model.parameters(), lr=config.lr, weight_decay=config.weight_decay
    )
    steps = len(y) // config.batch_size
    schedule = torch.optim.lr_scheduler.OneCycleLR(
        optimizer, max_lr=config.lr, total_steps=steps * config.epochs, pct_start=0.25
    )
    start = time.perf_counter()
    for _ in range(config.epochs):
        model.train()
        order = torch.randperm(len(y))
        for step in range(steps):
            index = order[step * config.batch_size : (step + 1) * config.batch_size]
            loss = F.cross_entropy(model(x[index]), y[index])
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            schedule.step()
        model.eval()
        with torch.no_grad():
            (model(xv).argmax(1) == yv).float().mean().item()
    return (time.perf_counter() - start) / config.epochs


def netsynth_epochs(
    estimator: TrainingEstimator, genotype: ChainGenotype, config: TrainingConfig, seed: int
) -> float:
    start = time.perf_counter()
    _, result = estimator.fit(genotype, config, seed, on_epoch=lambda epoch, metrics: False)
    return (time.perf_counter() - start) / result.epochs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--overhead-epochs", type=int, default=20)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--storage", help="reuse a finished run instead of searching again")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        storage = args.storage or f"sqlite:///{Path(tmp) / 'nas.db'}"
        wall = None
        if args.storage is None:
            os.chdir(tmp)  # the export folder lands in the temporary folder
            start = time.perf_counter()
            code = netsynth_main(["run", str(EXAMPLE), "--storage", storage, "--no-progress"])
            wall = time.perf_counter() - start
            assert code == 0, f"netsynth run exited with {code}"
        experiment = netsynth.load_experiment("mnist1d", storage=storage)
        attrs = experiment.record.attrs
        winner = next(e for e in attrs["final"] if e["trial"] == attrs["winner"])
        estimator = estimator_from_config(experiment.record.config["estimator"])
        assert isinstance(estimator, TrainingEstimator)
        torch.set_num_threads(os.cpu_count() or 1)
        genotype = ChainGenotype.from_dict(winner["genotype"])
        config = TrainingConfig.from_dict(winner["training"])
        config = TrainingConfig.from_dict(
            {
                **config.to_dict(),
                "epochs": args.overhead_epochs,
                "augment": 0.0,
                "schedule": "onecycle",
            }
        )
        ours, plain = [], []
        for repeat in range(args.repeats):  # alternate the order: neither side always runs warm
            runs = [(ours, netsynth_epochs), (plain, plain_epochs)]
            for times, run in runs if repeat % 2 == 0 else runs[::-1]:
                times.append(run(estimator, genotype, config, seed=repeat))
    print(f"machine: {platform.machine()}, {os.cpu_count()} CPUs, torch {torch.__version__}")
    if wall is not None:
        print(f"examples/mnist1d.yaml: {wall / 60:.1f} min wall time (target <= 15)")
    print(
        f"winner: trial {winner['trial']}, test accuracy {winner['test_acc']:.4f} "
        f"(target >= 0.985), {winner['params']} parameters (target <= 100k)"
    )
    print(f"  {winner['architecture']}")
    for entry in attrs["final"]:
        test, params = entry["test_acc"], entry["params"]
        print(f"  retrained trial {entry['trial']}: test {test:.4f}, {params} params")
    a, b = statistics.median(ours), statistics.median(plain)
    print(f"seconds per epoch ({args.overhead_epochs} epochs, median of {args.repeats}):")
    print(f"  netsynth estimator {a:.3f}   plain PyTorch loop {b:.3f}   ratio {a / b:.3f}")
    print("  (target: ratio <= 1.10)")


if __name__ == "__main__":
    main()
