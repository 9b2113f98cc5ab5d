"""``estimator: zero_cost``: score each candidate by one zero-cost proxy (synflow, naswot,
snip, grad_norm or params; see ``netsynth.tapas.zero_cost``) of its untrained network on one
minibatch of the training split, without training; RETRAINING then trains only the top-k.

The score is the trial's metric ``zero_cost`` (higher is better for every proxy), also stored
as ``trial.attrs["zero_cost"] = {"proxy": ..., "score": ...}``. The network's weights come from
the trial's seed, as a trained trial's would, so a rerun scores the same.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from netsynth.tapas.trainless import TrainLessEstimator

if TYPE_CHECKING:
    from netsynth.estimation.training import TrainingEstimator
    from netsynth.trial import Trial

PROXY_NAMES = ("synflow", "naswot", "snip", "grad_norm", "params")
METRIC = "zero_cost"


class ZeroCostEstimator(TrainLessEstimator):
    def __init__(self, train: TrainingEstimator, *, proxy: str, batch_size: int = 64) -> None:
        """``train``: the training estimator whose data and space are used (and the trainer
        of the stages around the search); ``proxy``: one of ``PROXY_NAMES``; ``batch_size``:
        samples in the scoring minibatch."""
        if proxy not in PROXY_NAMES:
            raise ValueError(
                f"unknown zero-cost proxy {proxy!r}; choose one of {', '.join(PROXY_NAMES)}"
            )
        if batch_size < 2:
            raise ValueError(f"zero_cost batch_size must be >= 2, got {batch_size}")
        super().__init__(train)
        self.proxy = proxy
        self.batch_size = batch_size

    def to_dict(self) -> dict[str, Any]:
        return {
            "type": "zero_cost",
            "train": self.train.to_dict(),
            "proxy": self.proxy,
            "batch_size": self.batch_size,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ZeroCostEstimator:
        from netsynth.estimation.training import TrainingEstimator

        return cls(
            TrainingEstimator.from_dict(data["train"]),
            proxy=data["proxy"],
            batch_size=data.get("batch_size", 64),
        )

    def estimate(self, trial: Trial) -> dict[str, float]:
        import torch

        from netsynth.estimation.training import candidate_seed
        from netsynth.nn.build import build
        from netsynth.nn.complexity import count_params
        from netsynth.tapas.zero_cost import PROXIES

        started = time.perf_counter()
        genotype, training = self.train.candidate(dict(trial.params))
        splits = self.train.splits()
        batch = self.train.tensors("train")
        size = min(self.batch_size, len(batch.y))
        torch.manual_seed(candidate_seed(trial.task.seed, trial.first_attempt))
        model = build(genotype, splits.input_shape, splits.num_classes).to(self.train.device)
        model.train()
        score = PROXIES[self.proxy](model, batch.x[:size], batch.y[:size])
        if score != score or abs(score) == float("inf"):  # NaN or overflow: rank it last
            score = -1e30
        self.describe_candidate(trial, genotype, training)
        trial.set_attr("zero_cost", {"proxy": self.proxy, "score": score})
        return {
            METRIC: score,
            "params": float(count_params(model)),
            "score_seconds": time.perf_counter() - started,
        }
