"""The dashboard's plots, as plotly figure JSON (``{"data": [...], "layout": {...}}``) that the
page hands to plotly.js. Each appears only when its data exists:

- optimization history: every finished trial's value by trial number, and the best so far;
- parallel coordinates of the hyperparameters (numbers as they are, choices as categories);
- the objective against parameters and against latency, with the Pareto front of the two;
- Hyperband / ASHA rungs: each trial's value at the rung it reached, by bracket;
- DARTS: the softmax of the architecture weights per op, averaged over the edges, by epoch
  (from a trial's ``attrs["alphas"]``: ``[{"epoch": e, "edges": {edge: {op: p}}}]``).

Everything here is linear (or n log n) in the number of trials, so 10,000 trials stay fast.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from netsynth.objective import Direction, Objective
from netsynth.strategies.goal import Goal
from netsynth.tapas.rank_quality import metric_label
from netsynth.trial_record import TrialRecord, TrialState

MAX_LINES = 1000  # parallel coordinates: the best this many trials (more is unreadable, and slow)
_LAYOUT = {"margin": {"l": 50, "r": 20, "t": 40, "b": 40}, "height": 360}


@dataclass(frozen=True)
class Plot:
    id: str
    title: str
    figure: dict[str, Any]


def _finished(trials: Sequence[TrialRecord]) -> list[TrialRecord]:
    return [
        t
        for t in trials
        if t.state is TrialState.COMPLETE and t.value is not None and math.isfinite(t.value)
    ]


def _finite(value: Any) -> bool:
    """A number JSON can carry (plotly.js cannot parse NaN or infinities)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _layout(title: str | None, x: str, y: str, **extra: Any) -> dict[str, Any]:
    """Axis titles; a figure title only where the page gives the plot no heading of its own."""
    return {
        **_LAYOUT,
        **({"title": {"text": title}} if title else {}),
        "xaxis": {"title": {"text": x}},
        "yaxis": {"title": {"text": y}},
        **extra,
    }


def optimization_history(trials: Sequence[TrialRecord], objective: Objective) -> Plot | None:
    done = sorted(_finished(trials), key=lambda t: t.number)
    if not done:
        return None
    best: list[float] = []
    for trial in done:
        value = float(trial.value)  # type: ignore[arg-type]
        best.append(value if not best or objective.better(value, best[-1]) else best[-1])
    numbers = [t.number for t in done]
    figure = {
        "data": [
            {
                "type": "scattergl",
                "mode": "markers",
                "name": metric_label(objective.metric),
                "x": numbers,
                "y": [t.value for t in done],
                "marker": {"size": 5, "opacity": 0.6},
            },
            {"type": "scatter", "mode": "lines", "name": "best so far", "x": numbers, "y": best},
        ],
        "layout": _layout(None, "trial", metric_label(objective.metric)),
    }
    return Plot("history", "Optimization history", figure)


def _dimension(name: str, values: list[Any]) -> dict[str, Any] | None:
    if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
        numbers = [float(v) for v in values]
        if max(numbers) == min(numbers):
            return None
        if min(numbers) > 0 and max(numbers) / min(numbers) > 100:  # a log-scale parameter
            return {"label": f"log10 {name}", "values": [math.log10(v) for v in numbers]}
        return {"label": name, "values": numbers}
    choices = sorted({str(v) for v in values})
    if len(choices) < 2:
        return None
    index = {c: i for i, c in enumerate(choices)}
    return {
        "label": name,
        "values": [index[str(v)] for v in values],
        "tickvals": list(range(len(choices))),
        "ticktext": choices,
    }


def parallel_coordinates(trials: Sequence[TrialRecord], objective: Objective) -> Plot | None:
    done = sorted(_finished(trials), key=lambda t: objective.sort_key(t.value))  # type: ignore[arg-type]
    done = done[:MAX_LINES]
    names = sorted({name for t in done for name in t.params})
    dimensions = []
    for name in names:
        present = [t for t in done if name in t.params]
        if len(present) != len(done):  # a conditional parameter: only where it is active
            continue
        dimension = _dimension(name, [t.params[name] for t in done])
        if dimension is not None:
            dimensions.append(dimension)
    if len(done) < 2 or not dimensions:
        return None
    values = [float(t.value) for t in done]  # type: ignore[arg-type]
    dimensions.append({"label": metric_label(objective.metric), "values": values})
    title = "Hyperparameters" + (f" (best {MAX_LINES})" if len(done) == MAX_LINES else "")
    figure = {
        "data": [
            {
                "type": "parcoords",
                "line": {
                    "color": values,
                    "colorscale": "Viridis",
                    "reversescale": objective.direction is Direction.MINIMIZE,
                    "showscale": True,
                },
                "dimensions": dimensions,
            }
        ],
        "layout": dict(_LAYOUT),
    }
    return Plot("parallel", title, figure)


def front_of(points: Sequence[tuple[float, float, int]], maximize: bool) -> list[int]:
    """Indices of the 2-D Pareto front of (cost to minimize, value, index) points: sweep by
    cost, keep each point better than every cheaper one."""
    sign = 1.0 if maximize else -1.0
    front: list[int] = []
    best = -math.inf
    for _cost, value, index in sorted(points, key=lambda p: (p[0], -sign * p[1])):
        if sign * value > best:
            best = sign * value
            front.append(index)
    return front


def _value_at_cost(trials: Sequence[TrialRecord], cost: str) -> dict[str, list[Any]]:
    """A trace's points: each trial's value over its ``cost`` metric, labelled by number."""
    return {
        "x": [t.metrics[cost] for t in trials],
        "y": [t.value for t in trials],
        "text": [f"trial {t.number}" for t in trials],
    }


def value_vs_cost(
    trials: Sequence[TrialRecord], objective: Objective, cost: str, goal: Goal | None
) -> Plot | None:
    done = [t for t in _finished(trials) if _finite(t.metrics.get(cost))]
    if len(done) < 2:
        return None
    feasible = [t for t in done if goal is None or not goal.constraints or not goal.broken(t)]
    points = [(float(t.metrics[cost]), float(t.value), i) for i, t in enumerate(feasible)]  # type: ignore[arg-type]
    front = [feasible[i] for i in front_of(points, objective.direction is Direction.MAXIMIZE)]
    label = {"params": "parameters", "latency_ms": "latency (ms)", "flops": "FLOPs"}.get(cost, cost)
    figure = {
        "data": [
            {
                "type": "scattergl",
                "mode": "markers",
                "name": "trials",
                **_value_at_cost(done, cost),
                "marker": {"size": 6, "opacity": 0.6},
            },
            {
                "type": "scatter",
                "mode": "lines+markers",
                "name": "Pareto front",
                **_value_at_cost(front, cost),
                "line": {"shape": "hv"},
            },
        ],
        "layout": _layout(
            None,
            label,
            metric_label(objective.metric),
            xaxis={"title": {"text": label}, "type": "log" if cost != "latency_ms" else "linear"},
        ),
    }
    return Plot(f"vs-{cost}", f"{metric_label(objective.metric)} vs {label}", figure)


def hyperband_rungs(trials: Sequence[TrialRecord], objective: Objective) -> Plot | None:
    reached = [t for t in trials if t.rung is not None and t.state is not TrialState.RUNNING]
    if not reached:
        return None
    brackets = sorted({t.bracket if t.bracket is not None else 0 for t in reached})
    data = []
    for bracket in brackets:
        group = [t for t in reached if (t.bracket if t.bracket is not None else 0) == bracket]
        values = [(t.rung, t.last_value(objective.metric), t.number) for t in group]
        values = [(r, v, n) for r, v, n in values if _finite(v)]
        data.append(
            {
                "type": "scattergl",
                "mode": "markers",
                "name": f"bracket {bracket}",
                "x": [r for r, _, _ in values],
                "y": [v for _, v, _ in values],
                "text": [f"trial {n}" for _, _, n in values],
                "marker": {"size": 6, "opacity": 0.6},
            }
        )
    figure = {
        "data": data,
        "layout": _layout(
            None, "rung", f"last {metric_label(objective.metric)}", xaxis={"dtick": 1}
        ),
    }
    return Plot("rungs", "Rungs reached (Hyperband / ASHA)", figure)


def darts_alphas(trials: Sequence[TrialRecord]) -> Plot | None:
    """The op probabilities of the latest trial that stored architecture weights."""
    with_alphas = [t for t in trials if t.attrs.get("alphas")]
    if not with_alphas:
        return None
    trial = max(with_alphas, key=lambda t: t.number)
    epochs: list[int] = []
    shares: dict[str, list[float | None]] = {}  # None: the op is absent that epoch
    for index, entry in enumerate(trial.attrs["alphas"]):
        edges = entry.get("edges", {})
        ops = sorted({op for probs in edges.values() for op in probs})
        epochs.append(int(entry.get("epoch", index)))
        for op in ops:
            mean = sum(float(probs.get(op, 0.0)) for probs in edges.values()) / max(len(edges), 1)
            shares.setdefault(op, [None] * index).append(mean)
        for series in shares.values():
            if len(series) < len(epochs):
                series.append(None)
    figure = {
        "data": [
            {"type": "scatter", "mode": "lines+markers", "name": op, "x": epochs, "y": series}
            for op, series in shares.items()
        ],
        "layout": _layout(None, "epoch", "mean softmax(alpha) over edges"),
    }
    return Plot("alphas", f"DARTS alpha per epoch (trial {trial.number})", figure)


def learning_curves(
    trials: Sequence[TrialRecord], metric: str, title: str | None = None
) -> dict[str, Any] | None:
    """One figure overlaying each trial's reported ``metric`` per step (None without reports)."""
    data = []
    for trial in trials:
        steps = [
            (r.step, r.metrics[metric]) for r in trial.reports if _finite(r.metrics.get(metric))
        ]
        if steps:
            data.append(
                {
                    "type": "scatter",
                    "mode": "lines+markers",
                    "name": f"trial {trial.number}",
                    "x": [s for s, _ in steps],
                    "y": [v for _, v in steps],
                }
            )
    if not data:
        return None
    return {"data": data, "layout": _layout(title or f"{metric} per step", "step", metric)}


def experiment_plots(
    trials: Sequence[TrialRecord], objective: Objective, goal: Goal | None
) -> list[Plot]:
    """The plots whose data exists, in the order the page shows them."""
    plots = [
        optimization_history(trials, objective),
        parallel_coordinates(trials, objective),
        value_vs_cost(trials, objective, "params", goal),
        value_vs_cost(trials, objective, "latency_ms", goal),
        hyperband_rungs(trials, objective),
        darts_alphas(trials),
    ]
    return [plot for plot in plots if plot is not None]


__all__ = ["Plot", "experiment_plots", "front_of", "learning_curves"]
