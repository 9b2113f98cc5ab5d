"""Generate the seed LDE shipped with netsynth: ``python -m netsynth.tapas.seed_lde``.

Trains one seeded spread of chain-space architectures (short training, small nets) on several
datasets of different difficulty and writes every result as an LDE record to
``netsynth/tapas/data/seed_lde.json.gz``. ``--archs`` and ``--budget-s`` trade records for time.
"""

from __future__ import annotations

import argparse
import gzip
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import torch

from netsynth.data.dataset import Dataset
from netsynth.data.registry import load_dataset
from netsynth.data.splits import make_splits
from netsynth.estimation.train_loop import TensorSplit, train
from netsynth.nn.build import build
from netsynth.nn.complexity import count_params
from netsynth.space.chain_genotype import ChainGenotype
from netsynth.space.chain_space import ChainSpace, ChainSpaceConfig
from netsynth.tapas.dataset_characterization import characterize
from netsynth.tapas.lde_record import LDERecord
from netsynth.tapas.synthetic import make_synthetic
from netsynth.training_config import TrainingConfig

SEED_PATH = Path(__file__).parent / "data" / "seed_lde.json.gz"
_SMALL = {"num_samples": 2000}

# dataset id -> loader; of different difficulty (the DCN of each is measured, not assumed)
SEED_DATASETS: dict[str, Callable[[], Dataset]] = {
    "digits": lambda: load_dataset("digits"),
    "mnist1d": lambda: load_dataset("mnist1d", options=_SMALL),
    "mnist1d-noisy": lambda: load_dataset(
        "mnist1d", options={**_SMALL, "iid_noise_scale": 0.1, "corr_noise_scale": 0.6}
    ),
    "mnist1d-easy": lambda: load_dataset(
        "mnist1d",
        options={
            **_SMALL,
            "max_translation": 8,
            "scale_coeff": 0.1,
            "corr_noise_scale": 0.05,
            "shear_scale": 0.1,
        },
    ),
    "mnist1d-shifted": lambda: load_dataset(
        "mnist1d", options={**_SMALL, "max_translation": 60, "scale_coeff": 0.8}
    ),
    "synthetic-easy": lambda: make_synthetic(noise=0.3, shift=2),
    "synthetic-mid": lambda: make_synthetic(noise=1.2, shift=6, seed=1),
    "synthetic-hard": lambda: make_synthetic(noise=2.5, shift=10, seed=2),
    # five more settings between and beside those (more DCNs for the TAP's DCN window)
    "mnist1d-mild": lambda: load_dataset(
        "mnist1d", options={**_SMALL, "iid_noise_scale": 0.05, "corr_noise_scale": 0.4}
    ),
    "mnist1d-translated": lambda: load_dataset(
        "mnist1d", options={**_SMALL, "max_translation": 30}
    ),
    "synthetic-mild": lambda: make_synthetic(noise=0.8, shift=4, seed=3),
    "synthetic-rough": lambda: make_synthetic(noise=1.8, shift=8, seed=4),
    "synthetic-8class": lambda: make_synthetic(noise=1.0, shift=5, num_classes=8, seed=5),
}

SEED_SPACE = ChainSpaceConfig(
    min_layers=1, max_layers=5, widths=[8, 16, 32, 64], kernels=[3, 5, 7], dropouts=[0.0, 0.1]
)
EPOCH_CHOICES = (2, 4)
LR_CHOICES = (1e-3, 3e-3, 1e-2)


def sample_candidates(count: int, seed: int) -> list[tuple[ChainGenotype, TrainingConfig]]:
    """One seeded spread of (genotype, short training) pairs, the same for every dataset."""
    space = ChainSpace(SEED_SPACE)
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(count):
        genotype = space.sample(rng)
        config = TrainingConfig(
            epochs=int(rng.choice(EPOCH_CHOICES)),
            lr=float(rng.choice(LR_CHOICES)),
            batch_size=64,
        )
        out.append((genotype, config))
    return out


def train_record(
    dataset_id: str,
    splits: Any,
    dcn: float,
    genotype: ChainGenotype,
    config: TrainingConfig,
    seed: int,
) -> LDERecord:
    """Train one candidate for real and turn the result into an LDE record."""
    genotype = ChainSpace(SEED_SPACE).repair(genotype, splits.input_shape)
    torch.manual_seed(seed)
    model = build(genotype, splits.input_shape, splits.num_classes)
    tensors = [
        TensorSplit(torch.as_tensor(s.x), torch.as_tensor(s.y)) for s in (splits.train, splits.val)
    ]
    result = train(model, tensors[0], tensors[1], config, seed=seed)
    assert result.val_acc is not None
    return LDERecord(
        dataset=dataset_id,
        dcn=dcn,
        num_classes=splits.num_classes,
        input_shape=tuple(splits.input_shape),
        genotype=genotype.to_dict(),
        training=config.to_dict(),
        accuracy=float(result.val_acc),
        curve=[float(c.get("val_acc", float("nan"))) for c in result.curve],
        params=count_params(model),
        source="seed",
    )


def generate(archs: int, budget_s: float, seed: int = 0) -> list[LDERecord]:
    torch.set_num_threads(1)
    candidates = sample_candidates(archs, seed)
    per_dataset = budget_s / len(SEED_DATASETS)
    records: list[LDERecord] = []
    for dataset_id, loader in SEED_DATASETS.items():
        dataset = loader()
        dcn = characterize(dataset, seed=seed).dcn
        splits = make_splits(dataset, val_fraction=0.25, test_fraction=0.1, seed=seed)
        started = time.perf_counter()
        for i, (genotype, config) in enumerate(candidates):
            if time.perf_counter() - started > per_dataset:
                break
            records.append(train_record(dataset_id, splits, dcn, genotype, config, seed + i))
        done = sum(r.dataset == dataset_id for r in records)
        print(f"{dataset_id}: DCN {dcn:.3f}, {done} records, {time.perf_counter() - started:.0f} s")
    return records


def save(records: list[LDERecord], path: Path = SEED_PATH) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with gzip.open(path, "wt", encoding="utf-8") as handle:
        json.dump([r.to_dict() for r in records], handle, separators=(",", ":"))


def load_seed(path: Path = SEED_PATH) -> list[LDERecord]:
    """The seed LDE records shipped with netsynth."""
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        return [LDERecord.from_dict(r) for r in json.load(handle)]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--archs", type=int, default=300, help="architectures per dataset")
    parser.add_argument("--budget-s", type=float, default=3600.0, help="wall budget, seconds")
    parser.add_argument("--out", type=Path, default=SEED_PATH)
    args = parser.parse_args(argv)
    started = time.perf_counter()
    records = generate(args.archs, args.budget_s)
    save(records, args.out)
    print(f"{len(records)} records in {time.perf_counter() - started:.0f} s -> {args.out}")


if __name__ == "__main__":
    main()
