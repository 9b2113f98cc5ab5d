"""Leaderboards: trials ranked best first, as a table, JSON or CSV."""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from netsynth.objective import Direction, Objective
from netsynth.strategies.goal import Goal, pareto_front
from netsynth.trial_record import TrialRecord, TrialState

if TYPE_CHECKING:
    from netsynth.experiment import Experiment

_STATE_ORDER = {
    TrialState.COMPLETE: 0,
    TrialState.PRUNED: 1,
    TrialState.RUNNING: 2,
    TrialState.FAILED: 3,
}


def ranked(
    trials: Sequence[TrialRecord], objective: Objective, goal: Goal | None = None
) -> list[TrialRecord]:
    """COMPLETE trials best first (those keeping the goal's constraints before those breaking
    them), then PRUNED (by their last value), RUNNING and FAILED."""

    def key(t: TrialRecord) -> tuple[int, int, float, int]:
        has_value = t.value is not None and not math.isnan(t.value)
        value = objective.sort_key(t.value) if has_value else math.inf  # type: ignore[arg-type]
        broken = 1 if goal is not None and goal.constraints and goal.broken(t) else 0
        return (_STATE_ORDER[t.state], broken, value, t.number)

    return sorted(trials, key=key)


def leaderboard_rows(
    trials: Sequence[TrialRecord],
    objective: Objective,
    top: int | None = None,
    goal: Goal | None = None,
) -> list[dict[str, Any]]:
    """One row per trial, best first. With a goal that has constraints, a row says whether the
    trial keeps them (``feasible``); with Pareto objectives, whether it is on the front."""
    front = {t.id for t in pareto_front(trials, goal)} if goal and goal.pareto else set()
    rows = []
    for rank, trial in enumerate(ranked(trials, objective, goal)[:top], start=1):
        row: dict[str, Any] = {
            "rank": rank,
            "trial": trial.number,
            "state": trial.state.value,
            objective.metric: trial.value,
            "params": dict(trial.params),
            "duration_s": None if trial.duration is None else round(trial.duration, 4),
            "reason": trial.reason,
        }
        if "stage" in trial.attrs:  # stage 2 of a sequential pipeline
            row["stage"] = trial.attrs["stage"]
        if trial.rung is not None:  # a multi-fidelity schedule: where the trial got to
            row["bracket"] = trial.bracket
            row["rung"] = trial.rung
            row["fidelity"] = dict(trial.fidelity)
        if goal is not None and goal.constraints and trial.state is TrialState.COMPLETE:
            broken = goal.broken(trial)
            row["feasible"] = not broken
            if broken:
                row["reason"] = "breaks " + ", ".join(broken)
        if goal is not None and goal.pareto:
            row["pareto_front"] = trial.id in front
            if trial.id in front:
                row["reason"] = "Pareto front" + (f"; {row['reason']}" if row["reason"] else "")
        if "architecture" in trial.attrs:  # a trained architecture: what it is and its size
            row["architecture"] = trial.attrs["architecture"]
            row["training"] = trial.attrs.get("training", {})
            row["metrics"] = {k: v for k, v in trial.metrics.items() if k != objective.metric}
        rows.append(row)
    return rows


def _size(value: Any) -> str:
    if not isinstance(value, (int, float)):
        return ""
    for unit, scale in (("G", 1e9), ("M", 1e6), ("k", 1e3)):
        if value >= scale:
            return f"{value / scale:.3g}{unit}"
    return f"{value:g}"


_TRAINING_SHORT = (
    ("optimizer", ""),
    ("lr", "lr="),
    ("batch_size", "bs="),
    ("weight_decay", "wd="),
    ("epochs", "ep="),
    ("augment", "aug="),
)


def _training_summary(training: dict[str, Any]) -> str:
    def short(value: Any) -> str:
        return f"{value:.3g}" if isinstance(value, float) else str(value)

    return " ".join(
        f"{prefix}{short(training[key])}" for key, prefix in _TRAINING_SHORT if key in training
    )


def architecture_table(
    rows: list[dict[str, Any]], objective: Objective, title: str | None = None
) -> Any:
    from rich.table import Table

    result = Table(title=title, header_style="bold")
    rungs = any("rung" in row for row in rows)
    for column, justify in (
        ("#", "right"),
        ("trial", "right"),
        ("state", "left"),
        *((("rung", "right"),) if rungs else ()),
        (objective.metric, "right"),
        ("architecture", "left"),
        ("params", "right"),
        ("FLOPs", "right"),
        ("latency", "right"),
        ("training", "left"),
        ("time (s)", "right"),
        ("note", "left"),
    ):
        result.add_column(column, justify=justify, overflow="fold")  # type: ignore[arg-type]
    for row in rows:
        metrics = row.get("metrics", {})
        result.add_row(
            str(row["rank"]),
            str(row["trial"]),
            row["state"],
            *((_rung(row),) if rungs else ()),
            _cell(row[objective.metric]),
            row.get("architecture", ""),
            _size(metrics.get("params")),
            _size(metrics.get("flops")),
            f"{metrics['latency_ms']:.2g} ms" if "latency_ms" in metrics else "",
            _training_summary(row.get("training", {})),
            _cell(row["duration_s"]),
            row["reason"] or "",
            style="green" if row["rank"] == 1 and row["state"] == "COMPLETE" else None,
        )
    return result


def final_table(experiment: Experiment) -> Any:
    """The retrained candidates: test accuracy, size, and which one was exported."""
    from rich.table import Table

    attrs = experiment.record.attrs
    winner = attrs.get("winner")
    export = attrs.get("export", {})
    caption = f"exported to {export['folder']}" if export.get("folder") else None
    result = Table(title="retrained on train+val, tested", caption=caption, header_style="bold")
    for column in ("trial", "search val_acc", "test_acc", "architecture", "params", "epochs"):
        result.add_column(column, overflow="fold")
    for entry in attrs.get("final", []):
        mark = " *" if entry["trial"] == winner else ""
        searched = _cell(entry.get("val_acc"))
        if entry.get("stopped_by_clock"):
            searched += " (stopped by the clock)"
        epochs = str(entry.get("epochs", ""))
        if entry.get("cut_by_time"):
            epochs += " (time)"
        result.add_row(
            f"{entry['trial']}{mark}",
            searched,
            _cell(entry.get("test_acc")),
            entry["architecture"],
            _size(entry.get("params")),
            epochs,
            style="green" if mark else None,
        )
    return result


def _rung(row: dict[str, Any]) -> str:
    """``2 (b0)``: the rung a trial reached and its bracket."""
    if row.get("rung") is None:
        return ""
    return (
        f"{row['rung']} (b{row['bracket']})" if row.get("bracket") is not None else str(row["rung"])
    )


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value)


def to_json(rows: list[dict[str, Any]]) -> str:
    return json.dumps(rows, indent=2, allow_nan=True)


def to_csv(rows: list[dict[str, Any]]) -> str:
    param_names = sorted({name for row in rows for name in row["params"]})
    out = io.StringIO()
    columns = [c for c in (rows[0] if rows else {}) if c != "params"]
    writer = csv.writer(out)
    writer.writerow(columns[:4] + param_names + columns[4:])
    for row in rows:
        base = [row.get(c, "") for c in columns]
        params = [row["params"].get(name, "") for name in param_names]
        writer.writerow(base[:4] + params + base[4:])
    return out.getvalue()


def table(rows: list[dict[str, Any]], objective: Objective, title: str | None = None) -> Any:
    if any("architecture" in row for row in rows):
        return architecture_table(rows, objective, title)
    from rich.table import Table

    param_names = sorted({name for row in rows for name in row["params"]})
    inline_params = len(param_names) > 6  # too many columns: one "params" column instead
    result = Table(title=title, header_style="bold")
    rungs = any("rung" in row for row in rows)
    for column in ("#", "trial", "state", *(("rung",) if rungs else ()), objective.metric):
        result.add_column(column, justify="right" if column != "state" else "left")
    for name in [] if inline_params else param_names:
        result.add_column(name, justify="right")
    if inline_params:
        result.add_column("params")
    result.add_column("time (s)", justify="right")
    result.add_column("note", overflow="fold", max_width=50)
    for row in rows:
        params = row["params"]
        cells = [
            str(row["rank"]),
            str(row["trial"]),
            row["state"],
            *((_rung(row),) if rungs else ()),
            _cell(row[objective.metric]),
        ]
        if inline_params:
            cells.append(", ".join(f"{k}={_cell(v)}" for k, v in params.items()))
        else:
            cells += [_cell(params.get(name)) for name in param_names]
        cells += [_cell(row["duration_s"]), row["reason"] or ""]
        result.add_row(
            *cells,
            style="green" if row["rank"] == 1 and row["state"] == "COMPLETE" else None,
        )
    return result


def render(experiment: Experiment, fmt: str = "table", top: int | None = 10) -> str | Any:
    rows = experiment.leaderboard(top)
    if fmt == "json":
        return to_json(rows)
    if fmt == "csv":
        return to_csv(rows)
    record = experiment.record
    title = f"{record.name} — {record.state.value}" + (
        f" ({record.reason})" if record.reason else ""
    )
    if "tuning" in record.config:
        return stage_tables(experiment, top, title)
    return table(rows, experiment.objective, title)


def stage_tables(experiment: Experiment, top: int | None, title: str) -> Any:
    """A sequential pipeline's leaderboard: one section per stage, each ranked on its own."""
    from rich.console import Group

    trials = experiment.trials()
    top_k = experiment.record.config["tuning"].get("top_k")
    sections = (
        (None, f"{title}\nstage 1: architectures, default training hyperparameters"),
        ("tuning", f"stage 2: training hyperparameters of stage 1's top {top_k}"),
    )
    tables = []
    for stage, heading in sections:
        chosen = [t for t in trials if t.attrs.get("stage") == stage]
        if stage is not None and not chosen:
            continue
        rows = leaderboard_rows(chosen, experiment.objective, top, experiment.goal)
        tables.append(table(rows, experiment.objective, heading))
    return Group(*tables)


def pareto_table(experiment: Experiment) -> Any:
    """The trials on the Pareto front of the experiment's objectives, best main value first."""
    from rich.table import Table

    goal = experiment.goal
    arrows = {Direction.MAXIMIZE: "↑", Direction.MINIMIZE: "↓"}
    names = " vs ".join(f"{o.metric} {arrows[o.direction]}" for o in goal.objectives)
    result = Table(title=f"Pareto front: {names}", header_style="bold")
    result.add_column("trial", justify="right")
    for objective in goal.objectives:
        result.add_column(objective.metric, justify="right")
    result.add_column("architecture / params", overflow="fold")
    for trial in pareto_front(experiment.trials(), goal):
        values = goal.values(trial) or []
        what = trial.attrs.get("architecture") or ", ".join(
            f"{k}={_cell(v)}" for k, v in trial.params.items()
        )
        result.add_row(str(trial.number), *(_cell(v) for v in values), what)
    return result


def print_leaderboard(experiment: Experiment, top: int | None = 10, fmt: str = "table") -> None:
    output = render(experiment, fmt, top)
    if isinstance(output, str):
        print(output, end="" if output.endswith("\n") else "\n")
        return
    console().print(output)
    if experiment.goal.pareto:
        console().print(pareto_table(experiment))
    if experiment.record.attrs.get("final"):
        console().print(final_table(experiment))


def console() -> Any:
    """stdout; wide when it is not a terminal, so piped tables are not squeezed to 80 columns."""
    import sys

    from rich.console import Console

    return Console() if sys.stdout.isatty() else Console(width=160)
