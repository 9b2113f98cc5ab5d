"""The experiments in a storage, one line each (``netsynth ls``)."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

from netsynth.experiment_record import ExperimentRecord, ExperimentState
from netsynth.objective import Objective
from netsynth.storage.storage import Storage
from netsynth.trial_record import TrialOutcome, TrialState


def experiment_rows(storage: Storage) -> list[dict[str, Any]]:
    return [
        experiment_row(record, storage.outlines(record.id, metrics=False))
        for record in storage.list_experiments()
    ]


def experiment_row(record: ExperimentRecord, trials: Sequence[TrialOutcome]) -> dict[str, Any]:
    """One experiment: its state, trials done against the budget, the best value, its time."""
    counts = {state: 0 for state in TrialState}
    for trial in trials:
        counts[trial.state] += 1
    objective = Objective.from_dict(record.config.get("objective", {}))
    best = objective.best(trials)
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
        "duration_s": round(active_seconds(record), 1),
        "reason": record.reason,
    }


# States that end a stretch of work; any other state after CREATED is active.
_RESTING = (ExperimentState.COMPLETED, ExperimentState.FAILED, ExperimentState.STOPPED)


def active_seconds(record: ExperimentRecord, now: float | None = None) -> float:
    """Seconds the experiment spent working, from its ``state_log``: each stretch from a
    state that starts work (PREPARING, SEARCHING, ...) to the next COMPLETED, FAILED or
    STOPPED, summed; a stretch still open counts up to ``now``. Time spent CREATED, or
    STOPPED / FAILED / COMPLETED until a resume or a continued search, is not counted, and
    neither is a later write that touches only the attrs (a dashboard Pick), which is why
    ``updated_at`` is not used. Without a log (records written before it existed), the time
    from creation to the last update."""
    now = time.time() if now is None else now
    if not record.state_log:
        end = record.updated_at if record.state in _RESTING else now
        return max(end - record.created_at, 0.0)
    total, started = 0.0, None
    for state, at in record.state_log:  # in the order the states were taken
        if ExperimentState(state) in _RESTING:
            if started is not None:
                total += at - started
            started = None
        elif state != ExperimentState.CREATED.value and started is None:
            started = at
    if started is not None:
        total += now - started
    return max(total, 0.0)


def _trial_budget(config: dict[str, Any]) -> int | None:
    """``max_trials``; for a sequential pipeline, both stages' together (when both set one)."""
    budgets = [config.get("budget", {}).get("max_trials")]
    if "tuning" in config:
        budgets.append(config["tuning"].get("budget", {}).get("max_trials"))
    return None if None in budgets else sum(b for b in budgets if b is not None)


def print_experiments(storage: Storage, fmt: str = "table") -> None:
    rows = experiment_rows(storage)
    if fmt == "json":
        from netsynth.display.leaderboard import json_text

        print(json_text(rows))
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
