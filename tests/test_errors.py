"""``ExperimentError`` is one class, importable from every place users import it."""

from __future__ import annotations

import netsynth
import netsynth.errors
import netsynth.experiment


def test_experiment_error_is_one_class_under_every_public_name() -> None:
    assert netsynth.ExperimentError is netsynth.experiment.ExperimentError
    assert netsynth.ExperimentError is netsynth.errors.ExperimentError
    assert issubclass(netsynth.ExperimentError, ValueError)
