"""Dataset characterization (TAPAS, Istrate et al. 2018): a small, fixed, normalized probe
network trained for a few epochs turns a dataset into one number, its Dataset Characterization
Number (DCN) in [0, 1] — 0 for a dataset the probe solves, 1 for one it cannot beat chance on.

>>> from netsynth.data import load_dataset
>>> result = characterize(load_dataset("digits"))
>>> 0.0 <= result.dcn <= 0.2
True
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import torch
from torch import nn

from netsynth.data.dataset import Dataset
from netsynth.data.splits import make_splits

PROBE_HIDDEN = 64  # units of the probe's one hidden layer
PROBE_EPOCHS = 4  # short on purpose: a rough, cheap estimate of difficulty
PROBE_MAX_TRAIN = 2000  # larger training sets are subsampled (seeded), so it takes seconds
PROBE_BATCH = 64
PROBE_LR = 3e-3


@dataclass(frozen=True)
class Characterization:
    dcn: float  # 1 - probe accuracy above chance, normalized to [0, 1]
    probe_accuracy: float  # on the validation split
    num_classes: int
    fingerprint: str  # the dataset's content hash
    seconds: float

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def probe_network(features: int, num_classes: int) -> nn.Module:
    """Flatten ─► linear(64) ─► batch norm ─► ReLU ─► linear(classes): fixed and normalized, so
    the DCN measures the data, not an architecture choice."""
    return nn.Sequential(
        nn.Flatten(),
        nn.Linear(features, PROBE_HIDDEN),
        nn.BatchNorm1d(PROBE_HIDDEN),
        nn.ReLU(),
        nn.Linear(PROBE_HIDDEN, num_classes),
    )


def dcn_of(accuracy: float, num_classes: int) -> float:
    """The DCN of a probe accuracy: chance (1/K) or worse -> 1, perfect -> 0."""
    chance = 1.0 / num_classes
    return float(np.clip(1.0 - (accuracy - chance) / (1.0 - chance), 0.0, 1.0))


def characterize(dataset: Dataset, *, seed: int = 0) -> Characterization:
    """Train the probe on a seeded stratified split of ``dataset`` and return its DCN. The same
    dataset and seed give the same DCN (single-threaded, seeded init and batch order)."""
    started = time.perf_counter()
    splits = make_splits(dataset, val_fraction=0.25, test_fraction=0.05, seed=seed)
    rng = np.random.default_rng(seed)
    train_x, train_y = splits.train.x, splits.train.y
    if len(train_y) > PROBE_MAX_TRAIN:
        keep = rng.choice(len(train_y), PROBE_MAX_TRAIN, replace=False)
        train_x, train_y = train_x[keep], train_y[keep]
    x = torch.as_tensor(train_x.reshape(len(train_x), -1), dtype=torch.float32)
    y = torch.as_tensor(train_y, dtype=torch.int64)
    val_x = torch.as_tensor(splits.val.x.reshape(len(splits.val.x), -1), dtype=torch.float32)
    val_y = torch.as_tensor(splits.val.y, dtype=torch.int64)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # determinism: one thread sums in one order
    try:
        torch.manual_seed(seed)
        model = probe_network(x.shape[1], splits.num_classes)
        optimizer = torch.optim.Adam(model.parameters(), lr=PROBE_LR)
        generator = torch.Generator().manual_seed(seed)
        batch = min(PROBE_BATCH, len(y))
        for _ in range(PROBE_EPOCHS):
            order = torch.randperm(len(y), generator=generator)
            model.train()
            for start in range(0, len(y) - batch + 1, batch):  # drop the ragged last batch
                index = order[start : start + batch]
                loss = nn.functional.cross_entropy(model(x[index]), y[index])
                optimizer.zero_grad(set_to_none=True)
                loss.backward()
                optimizer.step()
        model.eval()
        with torch.no_grad():
            accuracy = float((model(val_x).argmax(1) == val_y).float().mean())
    finally:
        torch.set_num_threads(threads)
    return Characterization(
        dcn_of(accuracy, splits.num_classes),
        accuracy,
        splits.num_classes,
        dataset.fingerprint(),
        time.perf_counter() - started,
    )
