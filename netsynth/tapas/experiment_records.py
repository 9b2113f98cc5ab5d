"""Every trained trial of an experiment becomes an LDE record (called as RETRAINING starts, so
the search's trials are in; trials predicted by TAPAS are not, having never been trained).

The experiment's LDE is its attr "lde" (a storage URL) when set, else its own storage."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from netsynth.tapas.lde import LifelongDatabase
from netsynth.tapas.lde_record import LDERecord
from netsynth.trial_record import TrialRecord, TrialState

_LOW_FIDELITY = ("data_fraction", "width_multiplier", "resolution")  # not the real network


def trained_records(experiment: Any) -> list[LDERecord]:
    """LDE records of the experiment's COMPLETE, trained, full-width trials."""
    attrs = experiment.record.attrs
    out = []
    for trial in experiment.trials([TrialState.COMPLETE]):
        record = trial_record(trial, attrs, source=f"{experiment.name}#{trial.number}")
        if record is not None:
            out.append(record)
    return out


def trial_record(trial: TrialRecord, attrs: Mapping[str, Any], *, source: str) -> LDERecord | None:
    """The LDE record of one COMPLETE trial of an experiment with these attrs (its "data" and
    "dcn", stored in PREPARING), or None for a trial that was not trained for real at full
    fidelity on a chain network (predicted, low fidelity, another space, or no accuracy)."""
    data, dcn = attrs.get("data"), attrs.get("dcn")
    if not data or not dcn or trial.state is not TrialState.COMPLETE:
        return None
    acc = trial.metrics.get("val_acc")
    genotype = trial.attrs.get("genotype")
    if acc is None or genotype is None or "tapas" in trial.attrs:
        return None
    if any(float(trial.fidelity.get(k, 1.0)) != 1.0 for k in _LOW_FIDELITY):
        return None
    if genotype.get("space", "chain") != "chain":
        return None  # the TAP encodes chain networks only
    return LDERecord(
        dataset=f"{data['dataset']}@{dcn['fingerprint']}",
        dcn=float(dcn["dcn"]),
        num_classes=int(data["num_classes"]),
        input_shape=tuple(data["input_shape"]),
        genotype=genotype,
        training=trial.attrs.get("training", {}),
        accuracy=float(acc),
        curve=[float(r.metrics["val_acc"]) for r in trial.reports if "val_acc" in r.metrics],
        params=int(trial.metrics.get("params", 0)),
        source=source,
    )


def record_experiment(experiment: Any) -> int:
    """Add the experiment's trained trials to its LDE, once; the number added."""
    if experiment.record.attrs.get("lde_recorded"):
        return 0
    records = trained_records(experiment)
    url = experiment.record.attrs.get("lde") or experiment.storage_url
    lde = LifelongDatabase(url, include_seed=False)
    try:
        lde.add(records)
    finally:
        lde.close()
    experiment.storage.update_experiment(experiment.id, attrs={"lde_recorded": len(records)})
    experiment.refresh()
    return len(records)
