"""A training experiment's trained trials become LDE records: in its own storage by default,
in a shared LDE when ``tapas: {lde: URL}`` names one."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from netsynth.experiment_record import ExperimentState
from netsynth.spec import compile_spec, parse_spec
from netsynth.tapas.lde import LifelongDatabase
from netsynth.tapas.lde_record import LDERecord


def _spec(tmp_path: Path, **extra: Any) -> dict[str, Any]:
    return {
        "name": "trained",
        "data": {"dataset": "digits"},
        "space": {
            "type": "chain",
            "max_layers": 2,
            "widths": [8],
            "ops": ["conv", "dense"],
            "training": {"optimizer": "adamw", "lr": 0.01, "batch_size": 128, "epochs": 1},
        },
        "budget": {"max_trials": 2},
        "final": {"top_k": 1, "epochs": 1, "export_dir": str(tmp_path / "out")},
        "seed": 0,
        **extra,
    }


@pytest.mark.usefixtures("one_torch_thread")
def test_trained_trials_join_the_shared_lde_the_spec_names(tmp_path: Path) -> None:
    shared = f"sqlite:///{tmp_path / 'shared.db'}"
    other = LDERecord("other@x", 0.5, 10, (1, 40), {"space": "chain", "layers": []}, {}, 0.4)
    LifelongDatabase(shared, include_seed=False).add([other])  # another experiment's record
    own = f"sqlite:///{tmp_path / 'own.db'}"
    spec = parse_spec(_spec(tmp_path, tapas={"lde": shared}))
    compiled = compile_spec(spec, source="spec.yaml", base_dir=tmp_path, storage=own)
    experiment = compiled.experiment
    state = experiment.run(compiled.estimator, progress=False, **compiled.run_options)
    assert state is ExperimentState.COMPLETED, experiment.record.reason
    assert experiment.record.attrs["lde"] == shared
    records = LifelongDatabase(shared, include_seed=False).stored()
    assert records[0] == other
    joined = records[1:]
    trials = experiment.trials()
    assert sorted(r.source for r in joined) == sorted(f"trained#{t.number}" for t in trials)
    dcn = experiment.record.attrs["dcn"]
    for record in joined:
        trial = trials[int(record.source.split("#")[1])]
        assert record.accuracy == trial.metrics["val_acc"]
        assert record.genotype == trial.attrs["genotype"]
        assert record.dcn == dcn["dcn"] and record.dataset == f"digits@{dcn['fingerprint']}"
        assert record.input_shape == (1, 8, 8) and record.num_classes == 10
    assert LifelongDatabase(own, include_seed=False).stored() == []  # not in its own storage
