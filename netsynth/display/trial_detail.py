"""One trial in full (``netsynth show NAME --trial N``): state, parameters, metrics, the
architecture as text (its layers, or its graph's nodes and edges), provenance and curve."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from netsynth.experiment import Experiment
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


def trial_lines(experiment: Experiment, trial: TrialRecord) -> list[str]:
    lines = [
        f"trial {trial.number} of {experiment.name}: {trial.state.value}"
        + (f" ({trial.reason})" if trial.reason else ""),
        f"{experiment.objective.metric}: {trial.value}",
    ]
    if trial.params:
        lines.append("params:")
        lines += [f"  {name} = {value!r}" for name, value in trial.params.items()]
    if trial.metrics:
        lines.append("metrics:")
        lines += [f"  {name} = {value:.6g}" for name, value in trial.metrics.items()]
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


def _graph(experiment: Experiment, trial: TrialRecord) -> dict[str, Any] | None:
    from netsynth.space.architecture_space import make_architecture_space
    from netsynth.space.genotype import genotype_from_dict

    estimator = experiment.record.config.get("estimator") or {}
    if "space" not in estimator or "genotype" not in trial.attrs:
        return None
    space = make_architecture_space(estimator["space"])
    return space.graph(genotype_from_dict(trial.attrs["genotype"]))
