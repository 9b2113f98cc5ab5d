"""Every setting of a one-shot search in one typed config."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any

METHODS = ("darts", "enas")
REMEDIES = ("none", "early_stop", "perturbation")


@dataclass(frozen=True)
class OneShotConfig:
    method: str = "darts"  # darts | enas
    order: int = 1  # DARTS: 1 = alternating steps, 2 = one unrolled step (finite-difference HVP)
    # none | early_stop (DARTS+: stop when parameter-free ops take over) | perturbation
    # (DARTS-PT: pick each edge's op by how much removing it costs the supernet's accuracy)
    remedy: str = "none"
    epochs: int = 10  # supernet epochs over the training split
    batch_size: int = 64
    lr: float = 0.025  # weights: SGD with momentum, cosine to 0
    momentum: float = 0.9
    weight_decay: float = 3e-4
    arch_lr: float = 3e-3  # DARTS alpha: Adam(beta=(0.5, 0.999)) as in the paper
    arch_weight_decay: float = 1e-3
    init_channels: int | None = None  # supernet skeleton; None: the space's
    cells_per_stage: int | None = None
    max_collapsed_edges: int = 2  # early_stop: stop once more (normal-)cell edges are none/skip
    tune_steps: int = 20  # perturbation: weight steps after each edge is discretized
    controller_lr: float = 3.5e-3  # ENAS controller (Adam)
    controller_steps: int = 10  # ENAS: controller updates per epoch
    entropy_weight: float = 1e-3  # ENAS: entropy bonus of the REINFORCE loss
    final_samples: int = 16  # ENAS: the genotype is the best of this many controller samples
    # ENAS: the children the shared weights train on: the controller's samples (the paper) or
    # fair ones (FairNAS: each op on each edge equally often)
    child_sampling: str = "controller"

    def __post_init__(self) -> None:
        if self.method not in METHODS:
            raise ValueError(f"oneshot.method must be one of {', '.join(METHODS)}")
        if self.order not in (1, 2):
            raise ValueError("oneshot.order must be 1 or 2")
        if self.remedy not in REMEDIES:
            raise ValueError(f"oneshot.remedy must be one of {', '.join(REMEDIES)}")
        if self.child_sampling not in ("controller", "fair"):
            raise ValueError("oneshot.options.child_sampling must be controller or fair")
        if self.tune_steps < 0:
            raise ValueError("oneshot.options.tune_steps must be >= 0")
        if self.epochs < 1 or self.batch_size < 1:
            raise ValueError("oneshot.epochs and oneshot.batch_size must be >= 1")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> OneShotConfig:
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})
