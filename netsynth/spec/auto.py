"""Resolve ``architecture: {type: auto}`` (or a spec with data and no architecture space)
into the concrete search the data and the time limit call for; see
``netsynth.space.auto_space`` for the choices.

What the user set explicitly stays: a spec with an auto space and its own ``strategy``
keeps that strategy (the baselines are still proposed first), its own ``scheduler``,
``final``, ``fidelity`` or ``execution`` likewise. Without ``execution``, trials run one per
core, up to four at once (one on a GPU).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from netsynth.data.dataset import DataError, Dataset
from netsynth.data.mirror_check import MirrorCheck, mirror_check
from netsynth.data.registry import load_dataset
from netsynth.space.auto_space import AutoPlan, DataSummary, auto_plan
from netsynth.space.union_space import UnionSpaceConfig
from netsynth.spec.errors import SpecError
from netsynth.spec.schema import ComponentSpec, ExecutionSpec, ExperimentSpec, FinalSpec
from netsynth.time_limit import AUTO, DEFAULT_TIME_LIMIT

MAX_WORKERS = 4


@dataclass(frozen=True)
class ResolvedSpec:
    """The concrete spec, the dataset loaded to choose it (None when nothing was chosen) and
    what was chosen, in words."""

    spec: ExperimentSpec
    dataset: Dataset | None = None
    notes: list[str] = field(default_factory=list)


def summarize(
    dataset: Dataset, spec: ExperimentSpec, mirror: MirrorCheck | None = None
) -> DataSummary:
    """The data as the defaults see it: kind, sample shape, samples left to train on, and
    whether mirroring keeps labels (``mirror``: the check of an image dataset)."""
    assert spec.data is not None
    held_out = spec.data.val_fraction + (
        0.0 if dataset.x_test is not None else spec.data.test_fraction
    )
    return DataSummary(
        dataset.kind,
        dataset.input_shape,
        max(1, round(len(dataset.y) * (1.0 - held_out))),
        dataset.num_classes,
        mirror_keeps_labels=mirror is not None and mirror.keeps_labels,
    )


def resolve_auto(spec: ExperimentSpec, source: str, base_dir: Path) -> ResolvedSpec:
    """``spec`` with its auto architecture space resolved from the data (unchanged if it has
    none)."""
    if not spec.is_auto:
        return ResolvedSpec(spec)
    assert spec.data is not None
    try:
        dataset = load_dataset(
            spec.data.dataset, seed=spec.data.seed, options=spec.data.options, base_dir=base_dir
        )
    except DataError as exc:
        raise SpecError(source, [("data.dataset", str(exc))]) from None
    budget = spec.resolved_budget
    mirror = mirror_check(dataset.x, dataset.y) if dataset.kind == "image" else None
    plan = auto_plan(summarize(dataset, spec, mirror), budget.time or DEFAULT_TIME_LIMIT)
    notes = list(plan.notes)
    if mirror is not None:
        notes.insert(1, mirror.describe())
    return ResolvedSpec(spec.model_copy(update=_updates(spec, plan)), dataset, notes)


def _updates(spec: ExperimentSpec, plan: AutoPlan) -> dict[str, object]:
    chosen = spec.model_fields_set
    budget = spec.resolved_budget
    if budget.final_share is None and budget.time is not None:
        # settled in PREPARING from what the baselines cost on this machine
        budget = budget.model_copy(update={"final_share": AUTO})
    updates: dict[str, object] = {
        "architecture": UnionSpaceConfig.model_validate(plan.space),
        "budget": budget,
    }
    if "strategy" in chosen:
        settings = spec.strategy.settings()
        settings.setdefault("initial", plan.baselines)
        updates["strategy"] = ComponentSpec(name=spec.strategy.name, **settings)
    else:
        updates["strategy"] = ComponentSpec(**plan.strategy)
    if "scheduler" not in chosen:
        updates["scheduler"] = ComponentSpec(**plan.scheduler)
    if "final" not in chosen:
        updates["final"] = FinalSpec(**plan.final)
    if "fidelity" not in chosen:
        updates["fidelity"] = dict(plan.fidelity)
    if "execution" not in chosen:
        updates["execution"] = ExecutionSpec(workers=default_workers())
    return updates


def default_workers() -> int:
    """Trials at once on this machine: one per core up to four (each trial then gets the
    cores shared out), one on a GPU. Small networks use cores far better as separate trials
    than as threads of one."""
    import os

    import torch

    if torch.cuda.is_available():
        return 1
    return max(1, min(MAX_WORKERS, os.cpu_count() or 1))
