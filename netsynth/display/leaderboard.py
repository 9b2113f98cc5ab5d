"""Leaderboards: trials ranked best first, and the retrained models, as a table, JSON or CSV.

``netsynth show NAME --format json`` writes one document, described by the JSON Schema
``show_schema.json`` next to this module (``SCHEMA_VERSION``): the experiment, its trials
(best first, each row with the same keys), the retrained and tested models, and the winner.
Numbers that are not finite are written as ``null``, so the output is strict JSON. CSV holds
one table: the trials, or with ``--what final`` the retrained models; its columns are the
union of the rows' keys, in a fixed order.
"""

from __future__ import annotations

import csv
import heapq
import io
import json
import math
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from netsynth.objective import Direction, Objective
from netsynth.strategies.goal import Goal, pareto_front
from netsynth.tapas.rank_quality import PREDICTED_METRIC, metric_label, rank_quality_note
from netsynth.trial_record import Outcome, TrialOutcome, TrialRecord, TrialState

if TYPE_CHECKING:
    from netsynth.display.experiment_view import ExperimentView

SCHEMA_VERSION = 1  # of the ``--format json`` document; raised on a breaking change
SCHEMA_FILE = "show_schema.json"
STAGE_ONE, STAGE_TWO = "search", "tuning"  # a sequential pipeline's rows say which stage

# The order of a trial row's keys (the objective's metric comes fourth, then the
# hyperparameters in CSV); keys not listed here follow in the order first seen.
_ROW_ORDER = (
    "rank",
    "trial",
    "state",
    None,  # the objective's metric
    "params",
    "duration_s",
    "reason",
    "stage",
    "bracket",
    "rung",
    "fidelity",
    "feasible",
    "pareto_front",
    "architecture",
    "training",
    "metrics",
)

_STATE_ORDER = {
    TrialState.COMPLETE: 0,
    TrialState.PRUNED: 1,
    TrialState.RUNNING: 2,
    TrialState.FAILED: 3,
}


def ranked(
    trials: Sequence[Outcome], objective: Objective, goal: Goal | None = None
) -> list[Outcome]:
    """COMPLETE trials best first (those keeping the goal's constraints before those breaking
    them), then PRUNED (by their last value), RUNNING and FAILED."""
    return sorted(trials, key=rank_key(objective, goal))


def best_of(
    trials: Sequence[Outcome], top: int, objective: Objective, goal: Goal | None = None
) -> list[Outcome]:
    """The first ``top`` of ``ranked(trials, ...)``, without sorting them all."""
    return heapq.nsmallest(top, trials, key=rank_key(objective, goal))


def rank_key(
    objective: Objective, goal: Goal | None = None
) -> Callable[[TrialOutcome], tuple[int, int, float, int]]:
    """The sort key of ``ranked``: state, constraints kept, value, number."""

    def key(t: TrialOutcome) -> tuple[int, int, float, int]:
        has_value = t.value is not None and not math.isnan(t.value)
        value = objective.sort_key(t.value) if has_value else math.inf  # type: ignore[arg-type]
        broken = 1 if goal is not None and goal.constraints and goal.broken(t) else 0
        return (_STATE_ORDER[t.state], broken, value, t.number)

    return key


def leaderboard_rows(
    trials: Sequence[TrialRecord],
    objective: Objective,
    top: int | None = None,
    goal: Goal | None = None,
    staged: bool = False,
) -> list[dict[str, Any]]:
    """One row per trial, best first. With a goal that has constraints, a row says whether the
    trial keeps them (``feasible``); with Pareto objectives, whether it is on the front. In a
    sequential pipeline (``staged``) every row says its ``stage``: ``"search"`` (stage 1) or
    ``"tuning"`` (stage 2). Every row has the same keys (``None`` where a trial has no
    value), so that a reader, or a CSV column, never finds a key missing from some rows."""
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
        if staged or "stage" in trial.attrs:  # a sequential pipeline
            row["stage"] = STAGE_TWO if trial.attrs.get("stage") == STAGE_TWO else STAGE_ONE
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
    return complete_rows(rows, objective.metric)


def complete_rows(rows: list[dict[str, Any]], metric: str) -> list[dict[str, Any]]:
    """The rows with the union of their keys, each in the same fixed order, ``None`` where a
    row had no value."""
    order = [metric if key is None else key for key in _ROW_ORDER]
    seen = {key: None for row in rows for key in row}
    keys = [key for key in dict.fromkeys(order) if key in seen]
    keys += [key for key in seen if key not in keys]
    return [{key: row.get(key) for key in keys} for row in rows]


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
        (metric_label(objective.metric), "right"),
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
        metrics = row.get("metrics") or {}
        result.add_row(
            str(row["rank"]),
            str(row["trial"]),
            row["state"],
            *((_rung(row),) if rungs else ()),
            _cell(row[objective.metric]),
            row.get("architecture") or "",
            _size(metrics.get("params")),
            _size(metrics.get("flops")),
            f"{metrics['latency_ms']:.2g} ms" if "latency_ms" in metrics else "",
            _training_summary(row.get("training") or {}),
            _cell(row["duration_s"]),
            row["reason"] or "",
            style="green" if row["rank"] == 1 and row["state"] == "COMPLETE" else None,
        )
    return result


def final_rows(experiment: ExperimentView) -> list[dict[str, Any]]:
    """The retrained and tested candidates (the experiment's attrs "final", "winner" and
    "export"), in the search's order, each with the same keys. ``search_value`` is what the
    search measured (or, for ``estimator: tapas``, predicted) for the trial, under the
    objective's metric ``search_metric``; ``search_rank`` is 1 for the search's best
    candidate; ``winner`` marks the candidate chosen by the search's ranking, ``exported`` the
    one written to ``export_path``."""
    attrs = experiment.record.attrs
    winner = attrs.get("winner")
    export = attrs.get("export") or {}
    folder = export.get("folder")
    exported_trial = export.get("trial", winner) if folder else None
    rows = []
    for entry in attrs.get("final") or []:
        rank = entry.get("rank")
        exported = folder is not None and entry["trial"] == exported_trial
        rows.append(
            {
                "trial": entry["trial"],
                "winner": entry["trial"] == winner,
                "exported": exported,
                "export_path": folder if exported else None,
                "test_acc": entry.get("test_acc"),
                "test_loss": entry.get("test_loss"),
                "search_metric": experiment.objective.metric,
                "search_value": entry.get("val_acc"),
                "search_rank": rank + 1 if isinstance(rank, int) else None,
                "stopped_by_clock": bool(entry.get("stopped_by_clock", False)),
                "architecture": entry.get("architecture"),
                "param_count": entry.get("params"),
                "flops": entry.get("flops"),
                "latency_ms": entry.get("latency_ms"),
                "epochs": entry.get("epochs"),
                "cut_by_time": bool(entry.get("cut_by_time", False)),
                "train_seconds": entry.get("train_seconds"),
                "training": entry.get("training"),
            }
        )
    return rows


def final_table(experiment: ExperimentView) -> Any:
    """The retrained candidates: test accuracy, size, and which one was exported."""
    from rich.table import Table

    rows = final_rows(experiment)
    folder = next((row["export_path"] for row in rows if row["exported"]), None)
    caption = f"exported to {folder}" if folder else None
    result = Table(title="retrained on train+val, tested", caption=caption, header_style="bold")
    searched_as = f"search {metric_label(experiment.objective.metric)}"
    for column in ("trial", searched_as, "test_acc", "architecture", "params", "epochs"):
        result.add_column(column, overflow="fold")
    for row in rows:
        mark = " *" if row["winner"] else ""
        searched = _cell(row["search_value"])
        if row["stopped_by_clock"]:
            searched += " (stopped by the clock)"
        epochs = _cell(row["epochs"])
        if row["cut_by_time"]:
            epochs += " (time)"
        result.add_row(
            f"{row['trial']}{mark}",
            searched,
            _cell(row["test_acc"]),
            row["architecture"] or "",
            _size(row["param_count"]),
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


def finite(value: Any) -> Any:
    """``value`` with every non-finite float (NaN, ±inf), at any depth, replaced by None:
    JSON has no such numbers, and strict parsers refuse Python's ``NaN``."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {key: finite(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [finite(item) for item in value]
    return value


def json_text(data: Any) -> str:
    """Strict JSON (no NaN or Infinity), indented."""
    return json.dumps(finite(data), indent=2, allow_nan=False)


def show_document(experiment: ExperimentView, top: int | None = None) -> dict[str, Any]:
    """``netsynth show --format json``: the experiment, its ``top`` trials best first, the
    retrained models and the winner, as ``show_schema.json`` (version ``SCHEMA_VERSION``)
    describes them."""
    record = experiment.record
    goal = experiment.goal
    trials, total = experiment.leaderboard_trials(top)
    return {
        "schema_version": SCHEMA_VERSION,
        "experiment": {
            "name": record.name,
            "state": record.state.value,
            "reason": record.reason,
            "metric": experiment.objective.metric,
            "direction": experiment.objective.direction.value,
            "metric_label": metric_label(experiment.objective.metric),
            "mode": "sequential" if "tuning" in record.config else "joint",
            "objectives": [
                {"metric": o.metric, "direction": o.direction.value} for o in goal.objectives
            ],
            "constraints": dict(goal.constraints),
            "trials_total": total,
        },
        "trials": leaderboard_rows(
            trials, experiment.objective, top, goal, staged=experiment.staged
        ),
        "final_models": final_rows(experiment),
        "winner": record.attrs.get("winner"),
    }


def to_csv(rows: list[dict[str, Any]]) -> str:
    """One table as CSV: the columns are the union of the rows' keys in first-seen order (the
    rows of ``leaderboard_rows`` and ``final_rows`` all have the same keys, in a fixed
    order); a trial's hyperparameters get a column each, after the first four; nested values
    are written as JSON and missing ones as empty cells."""
    param_names = sorted(
        {name for row in rows if isinstance(row.get("params"), dict) for name in row["params"]}
    )
    columns = list(dict.fromkeys(key for row in rows for key in row))
    expand = "params" in columns and all(isinstance(row.get("params"), dict) for row in rows)
    if expand:
        columns.remove("params")
    out = io.StringIO()
    writer = csv.writer(out)
    names = param_names if expand else []
    writer.writerow(columns[:4] + names + columns[4:])
    for row in rows:
        base = [_csv_cell(row.get(c)) for c in columns]
        params = [_csv_cell(row["params"].get(name)) for name in names]
        writer.writerow(base[:4] + params + base[4:])
    return out.getvalue()


def _csv_cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, (dict, list, tuple)):
        return json.dumps(finite(value), sort_keys=True)
    return value


def table(rows: list[dict[str, Any]], objective: Objective, title: str | None = None) -> Any:
    if any("architecture" in row for row in rows):
        return architecture_table(rows, objective, title)
    from rich.table import Table

    param_names = sorted({name for row in rows for name in row["params"]})
    inline_params = len(param_names) > 6  # too many columns: one "params" column instead
    result = Table(title=title, header_style="bold")
    rungs = any("rung" in row for row in rows)
    metric = metric_label(objective.metric)
    for column in ("#", "trial", "state", *(("rung",) if rungs else ()), metric):
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


def render(
    experiment: ExperimentView, fmt: str = "table", top: int | None = 10, what: str = "trials"
) -> str | Any:
    """The leaderboard as JSON (the whole ``show_document``), as CSV (``what``: the trials,
    or ``"final"``: the retrained models) or as a table of the trials."""
    if fmt == "json":
        return json_text(show_document(experiment, top))
    if fmt == "csv":
        return to_csv(final_rows(experiment) if what == "final" else experiment.leaderboard(top))
    rows = experiment.leaderboard(top)
    record = experiment.record
    title = f"{record.name} — {record.state.value}" + (
        f" ({record.reason})" if record.reason else ""
    )
    if "tuning" in record.config:
        return stage_tables(experiment, top, title)
    return table(rows, experiment.objective, title)


def stage_tables(experiment: ExperimentView, top: int | None, title: str) -> Any:
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


def pareto_table(experiment: ExperimentView) -> Any:
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


def print_leaderboard(
    experiment: ExperimentView, top: int | None = 10, fmt: str = "table", what: str | None = None
) -> None:
    """Print the leaderboard. ``what`` picks one table: ``"trials"`` or ``"final"`` (the
    retrained models); a table without it shows both, CSV the trials, and JSON always holds
    both."""
    if fmt != "table" or what == "final":
        output = (
            final_table(experiment)
            if fmt == "table"
            else render(experiment, fmt, top, what or "trials")
        )
        if isinstance(output, str):
            print(output, end="" if output.endswith("\n") else "\n")
        else:
            console().print(output)
        return
    console().print(render(experiment, fmt, top))
    if experiment.objective.metric == PREDICTED_METRIC:
        console().print(rank_quality_note(), markup=False)
    if experiment.goal.pareto:
        console().print(pareto_table(experiment))
    if what is None and experiment.record.attrs.get("final"):
        console().print(final_table(experiment))


def console() -> Any:
    """stdout; wide when it is not a terminal, so piped tables are not squeezed to 80 columns."""
    import sys

    from rich.console import Console

    return Console() if sys.stdout.isatty() else Console(width=160)
