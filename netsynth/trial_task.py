"""What an executor needs to run one trial, and what the trial sends back while it runs; plain
data, so both cross process boundaries."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from netsynth.space.distributions import ParamValue


@dataclass(frozen=True)
class TrialTask:
    trial_id: int
    number: int
    seed: int
    metric: str  # the objective's metric name
    params: dict[str, ParamValue] = field(default_factory=dict)  # declared by the space
    distributions: dict[str, dict[str, Any]] = field(default_factory=dict)
    hints: dict[str, ParamValue] = field(default_factory=dict)  # proposals for define-by-run
    fidelity: dict[str, Any] = field(default_factory=dict)
    experiment: str = ""
    parent: int | None = None  # the trial this candidate was mutated from, if any
    first_attempt: int | None = None  # a retry: the number of the candidate's first attempt
    heartbeat_seconds: float = 5.0  # how often the process running it says it is alive
    deadline: float | None = None  # time.time() at which the search's time is up, if limited


@dataclass(frozen=True)
class TrialReport:
    """One intermediate result of a running trial: its metrics at ``step`` and, with the
    trial's first report, the parameters it sampled (and their distributions) so the driver
    stores them as soon as the trial starts."""

    step: int
    metrics: Mapping[str, float]
    params: Mapping[str, ParamValue] | None = None
    distributions: Mapping[str, Mapping[str, Any]] | None = None
