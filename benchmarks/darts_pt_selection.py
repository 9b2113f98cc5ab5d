"""DARTS-PT's selection on the DARTS cell space: ops weighted exactly 0 skipped, or computed.

Trains the supernet of ``examples/darts-cells-mnist1d.yaml`` for ``--epochs`` epochs, then
runs DARTS-PT's perturbation-based selection twice from the same saved state: once with
every op of every edge computed (as before the skip: an edge already discretized, or an op
removed to score it, still ran all its ops and multiplied them by 0), once with the ops
weighted 0 skipped. Both must select the same genotype with the same accuracy; the benchmark
prints both times and their ratio.

    NETSYNTH_THREADS=1 python benchmarks/darts_pt_selection.py --epochs 1
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import torch

from netsynth.oneshot.mixed_op import Gate
from netsynth.oneshot.oneshot_estimator import OneShotEstimator, _Search
from netsynth.spec.compile import _estimator
from netsynth.spec.loader import load_spec
from netsynth.training_config import TrainingConfig

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "darts-cells-mnist1d.yaml"


@contextlib.contextmanager
def every_op_computed() -> Iterator[None]:
    """Mixed ops compute every op, whatever its weight (the behaviour before the skip)."""
    original = Gate.mix

    def mix(gate: Gate, weights: torch.Tensor, skip_zeros: bool = False) -> None:
        original(gate, weights, False)

    Gate.mix = mix  # type: ignore[method-assign]
    try:
        yield
    finally:
        Gate.mix = original  # type: ignore[method-assign]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    torch.set_num_threads(1)
    estimator = _estimator(load_spec(EXAMPLE), EXAMPLE.parent)
    assert isinstance(estimator, OneShotEstimator)
    space = estimator.space
    params = space.params_of(space.sample(np.random.default_rng(args.seed)), TrainingConfig())
    candidate, _ = estimator.candidate(params)
    torch.manual_seed(args.seed)
    supernet = estimator.supernet(candidate, estimator.oneshot)
    search = _Search(estimator, estimator.oneshot, supernet, args.seed)
    started = time.perf_counter()
    for _ in range(args.epochs):
        search.run_epoch()
    print(f"supernet: {args.epochs} epoch(s) in {time.perf_counter() - started:.1f} s")
    trained = copy.deepcopy(search.state_dict())

    def select() -> tuple[float, str, float]:
        search.load_state_dict(copy.deepcopy(trained))
        started = time.perf_counter()
        genotype = search._perturbation_selection()
        return time.perf_counter() - started, genotype.hash(), search.last["val_acc"]

    with every_op_computed():
        every_seconds, every_hash, every_acc = select()
    skip_seconds, skip_hash, skip_acc = select()
    for label, seconds, genotype, acc in (
        ("every op computed", every_seconds, every_hash, every_acc),
        ("zero ops skipped ", skip_seconds, skip_hash, skip_acc),
    ):
        print(f"{label}: {seconds:.1f} s (genotype {genotype[:10]}, val {acc:.4f})")
    print(f"speed-up: {every_seconds / skip_seconds:.2f}x")
    if (every_hash, every_acc) != (skip_hash, skip_acc):
        raise SystemExit("the two selections differ")


if __name__ == "__main__":
    main()
