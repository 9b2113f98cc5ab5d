"""One trial in full (``netsynth show NAME --trial N``): state, parameters, metrics, the
architecture as text (its layers, or its graph's nodes and edges), provenance and curve."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from netsynth.display.experiment_view import ExperimentView
    from netsynth.trial_record import TrialRecord


def architecture_lines(graph: dict[str, Any]) -> list[str]:
    """A graph description (``ArchitectureSpace.graph``) as indented text."""
    if "cells" in graph:
        lines = []
        for name, cell in graph["cells"].items():
            lines.append(f"{name} cell:")
            lines += ["  " + line for line in architecture_lines(cell)]
        if graph.get("macro"):
            lines.append(f"macro: {graph['macro']}")
        return lines
    labels = {node["id"]: str(node.get("label", node["id"])) for node in graph.get("nodes", [])}
    lines = [f"{node_id}: {label}" for node_id, label in labels.items()]
    for edge in graph.get("edges", []):
        label = f"  [{edge['label']}]" if edge.get("label") else ""
        lines.append(f"{edge['source']} -> {edge['target']}{label}")
    return lines


def lineage(trials: list[TrialRecord], trial: TrialRecord) -> str:
    """``mutation of 41 <- 22 <- 9 (random)``: the trial's ancestors, parent first, as strategies
    that mutate (evolution, predictor-guided) record them."""
    by_number = {t.number: t for t in trials}
    chain: list[str] = []
    current = trial
    while "parent" in current.attrs and current.attrs["parent"] in by_number:
        current = by_number[current.attrs["parent"]]
        chain.append(str(current.number))
        if len(chain) > 1000:  # a malformed record pointing in a circle
            break
    if not chain:
        return str(trial.attrs.get("origin"))
    root = f" ({current.attrs.get('origin', 'given')})"
    return f"{trial.attrs.get('origin')} of " + " <- ".join(chain) + root


def trial_lines(experiment: ExperimentView, trial: TrialRecord) -> list[str]:
    from netsynth.tapas.rank_quality import PREDICTED_METRIC, metric_label, rank_quality_note

    metric = experiment.objective.metric
    lines = [
        f"trial {trial.number} of {experiment.name}: {trial.state.value}"
        + (f" ({trial.reason})" if trial.reason else ""),
        f"{metric_label(metric)}: {trial.value}",
    ]
    if metric == PREDICTED_METRIC:
        lines.append(rank_quality_note())
    if trial.rung is not None or trial.fidelity:
        where = [f"bracket {trial.bracket}"] if trial.bracket is not None else []
        where += [f"rung {trial.rung}"] if trial.rung is not None else []
        where += [", ".join(f"{k}={v}" for k, v in trial.fidelity.items())]
        lines.append("schedule: " + ", ".join(w for w in where if w))
    if trial.attrs.get("stage") == "tuning":
        origin = trial.params.get("architecture")
        source = f"trial {origin}'s" if origin is not None else "the shortlisted"
        lines.append(f"stage: 2 (tuning the training of {source} architecture)")
    if trial.params:
        lines.append("params:")
        lines += [f"  {name} = {value!r}" for name, value in trial.params.items()]
    if trial.metrics:
        lines.append("metrics:")
        lines += [f"  {name} = {value:.6g}" for name, value in trial.metrics.items()]
    if "origin" in trial.attrs:
        lines.append(f"origin: {lineage(experiment.trials(), trial)}")
    if "architecture" in trial.attrs:
        lines.append(f"architecture: {trial.attrs['architecture']}")
        graph = _graph(experiment, trial)
        if graph is not None:
            lines += ["  " + line for line in architecture_lines(graph)]
    if "provenance" in trial.attrs:
        lines.append("provenance:")
        lines += [f"  {k} = {v}" for k, v in trial.attrs["provenance"].items()]
    if trial.reports:
        lines.append("reports:")
        for report in trial.reports:
            values = ", ".join(f"{k}={v:.4g}" for k, v in report.metrics.items())
            lines.append(f"  step {report.step}: {values}")
    if "traceback" in trial.attrs:
        lines.append(trial.attrs["traceback"].rstrip())
    return lines


def _graph(experiment: ExperimentView, trial: TrialRecord) -> dict[str, Any] | None:
    from netsynth.space.architecture_space import make_architecture_space
    from netsynth.space.space_kinds import genotype_from_dict

    estimator = experiment.record.config.get("estimator") or {}
    if "genotype" not in trial.attrs:
        return None
    if experiment.architecture is not None:
        space = experiment.architecture
    elif "space" in estimator:
        space = make_architecture_space(estimator["space"])
    else:
        return None
    return space.graph(genotype_from_dict(trial.attrs["genotype"]))
