"""The experiments in a storage, one line each (``netsynth ls``)."""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from typing import Any

from netsynth.experiment_record import ExperimentRecord
from netsynth.objective import Objective
from netsynth.storage.storage import Storage
from netsynth.trial_record import TrialRecord, TrialState


def experiment_rows(storage: Storage) -> list[dict[str, Any]]:
    return [
        experiment_row(record, storage.trials(record.id)) for record in storage.list_experiments()
    ]


def experiment_row(record: ExperimentRecord, trials: Sequence[TrialRecord]) -> dict[str, Any]:
    """One experiment: its state, trials done against the budget, the best value, its time."""
    counts = {state: 0 for state in TrialState}
    for trial in trials:
        counts[trial.state] += 1
    objective = Objective.from_dict(record.config.get("objective", {}))
    best = objective.best(trials)
    end = record.updated_at if record.state.is_final else time.time()
    return {
        "name": record.name,
        "state": record.state.value,
        "done": counts[TrialState.COMPLETE] + counts[TrialState.PRUNED],
        "budget": _trial_budget(record.config),
        "running": counts[TrialState.RUNNING],
        "failed": counts[TrialState.FAILED],
        "metric": objective.metric,
        "direction": objective.direction.value,
        "best": None if best is None else best.value,
        "created": time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(record.created_at)),
        "duration_s": round(end - record.created_at, 1),
        "reason": record.reason,
    }


def _trial_budget(config: dict[str, Any]) -> int | None:
    """``max_trials``; for a sequential pipeline, both stages' together (when both set one)."""
    budgets = [config.get("budget", {}).get("max_trials")]
    if "tuning" in config:
        budgets.append(config["tuning"].get("budget", {}).get("max_trials"))
    return None if None in budgets else sum(b for b in budgets if b is not None)


def print_experiments(storage: Storage, fmt: str = "table") -> None:
    rows = experiment_rows(storage)
    if fmt == "json":
        print(json.dumps(rows, indent=2, allow_nan=True))
        return
    from rich.table import Table

    from netsynth.display.leaderboard import console

    table = Table(header_style="bold")
    for column in ("name", "state", "trials", "best", "created", "duration (s)", "note"):
        table.add_column(column, overflow="fold")
    for row in rows:
        budget = f"/{row['budget']}" if row["budget"] else ""
        extra = "".join(f", {row[k]} {k}" for k in ("running", "failed") if row[k])
        best = "" if row["best"] is None else f"{row['metric']}={row['best']:.6g}"
        table.add_row(
            row["name"],
            row["state"],
            f"{row['done']}{budget}{extra}",
            best,
            row["created"],
            f"{row['duration_s']:g}",
            row["reason"] or "",
        )
    if not rows:
        print("no experiments")
        return
    console().print(table)
