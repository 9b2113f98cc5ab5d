"""One record of the Lifelong Database of Experiments: a trained network and what it reached.

>>> r = LDERecord("digits", 0.05, 10, (1, 8, 8), {"space": "chain", "layers": []}, {}, 0.9)
>>> LDERecord.from_dict(r.to_dict()) == r
True
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class LDERecord:
    dataset: str  # dataset id (a name, or name plus generator options)
    dcn: float  # the dataset's characterization number, in [0, 1]
    num_classes: int
    input_shape: tuple[int, ...]
    genotype: dict[str, Any]  # the architecture, as plain data
    training: dict[str, Any]  # TrainingConfig.to_dict()
    accuracy: float  # validation accuracy reached
    curve: list[float] = field(default_factory=list)  # validation accuracy per epoch
    params: int = 0
    source: str = ""  # "seed", or "EXPERIMENT#TRIAL"

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["input_shape"] = list(self.input_shape)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> LDERecord:
        return cls(**{**data, "input_shape": tuple(data["input_shape"])})
