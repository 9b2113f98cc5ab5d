"""Each trial's architecture as a graph and as SVG: the experiment's space is built once, and
the drawing of a finished trial is kept (its genotype never changes)."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any

from netsynth.dashboard.diagrams import architecture_svg
from netsynth.experiment_record import ExperimentRecord
from netsynth.space.architecture_space import ArchitectureSpace, make_architecture_space
from netsynth.space.genotype import GenotypeError
from netsynth.space.space_kinds import genotype_from_dict
from netsynth.trial_record import TrialRecord

# What a stored record that does not fit its space raises; the page then shows no diagram.
_UNDRAWABLE = (GenotypeError, ValueError, KeyError, TypeError, AttributeError, IndexError)


def _space_config(config: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """The architecture space of an experiment config: its own, or its estimator's."""
    if isinstance(config.get("architecture"), Mapping):
        return config["architecture"]  # type: ignore[no-any-return]
    estimator = config.get("estimator")
    if isinstance(estimator, Mapping) and isinstance(estimator.get("space"), Mapping):
        return estimator["space"]  # type: ignore[no-any-return]
    return None


class ArchitectureGraphs:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._spaces: dict[int, ArchitectureSpace | None] = {}
        self._drawings: dict[tuple[int, bool], str | None] = {}

    def _space(self, record: ExperimentRecord) -> ArchitectureSpace | None:
        with self._lock:
            if record.id in self._spaces:
                return self._spaces[record.id]
        config = _space_config(record.config)
        try:
            space = make_architecture_space(config) if config is not None else None
        except _UNDRAWABLE:
            space = None
        with self._lock:
            self._spaces[record.id] = space
        return space

    def graph(self, record: ExperimentRecord, trial: TrialRecord) -> dict[str, Any] | None:
        """``ArchitectureSpace.graph`` of the trial's genotype, or None (no architecture)."""
        data = trial.attrs.get("genotype")
        if not isinstance(data, Mapping):
            return None
        try:
            genotype = genotype_from_dict(dict(data))
            space = self._space(record)
            try:
                if space is not None:
                    return space.graph(genotype)
            except _UNDRAWABLE:
                pass  # e.g. stage 2's trials, drawn by their own family's space below
            kind = str(data.get("space", "chain"))
            return make_architecture_space({"type": kind}).graph(genotype)
        except _UNDRAWABLE:
            return None

    def svg(
        self, record: ExperimentRecord, trial: TrialRecord, compact: bool = False
    ) -> str | None:
        """The drawing (``compact``: a thumbnail for a table row), or None."""
        key = (trial.id, compact)
        with self._lock:
            if key in self._drawings:
                return self._drawings[key]
        graph = self.graph(record, trial)
        drawing = None if graph is None else architecture_svg(graph, compact=compact)
        if trial.state.is_finished:
            with self._lock:
                self._drawings[key] = drawing
        return drawing
