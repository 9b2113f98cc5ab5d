"""Small storages with real records for the dashboard's tests: an HPO experiment run through
the public API, and NAS experiments (chain, DAG, cell) written through the storage API as
the training estimator writes them."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient

import netsynth
from netsynth.dashboard import create_app
from netsynth.space.architecture_space import make_architecture_space
from netsynth.storage import Storage, TrialDraft, open_storage
from netsynth.trial import Trial
from netsynth.trial_record import TrialState

XSS = '<script>alert("x")</script>'
TOKEN = "test-token-123"
BASE_URL = "http://127.0.0.1:8765"
HPO = "hpo"
SPACES = ("chain", "dag", "cell")


def hpo_objective(trial: Trial) -> float:
    x = trial.suggest_float("x", -2.0, 2.0)
    trial.suggest_float(XSS, 0.0, 1.0)  # a parameter named like an attack
    for step in range(1, 4):
        trial.report(step, loss=(x - 0.5) ** 2 + 1.0 / step)
    return (x - 0.5) ** 2


def write_trial(
    storage: Storage,
    experiment_id: int,
    *,
    params: Mapping[str, Any],
    value: float | None,
    state: TrialState = TrialState.COMPLETE,
    reports: list[dict[str, float]] | None = None,
    metrics: Mapping[str, float] | None = None,
    attrs: Mapping[str, Any] | None = None,
    reason: str | None = None,
    rung: int | None = None,
    bracket: int | None = None,
) -> int:
    """One trial written as the runner writes it; returns its number."""
    draft = TrialDraft(params=dict(params), attrs=dict(attrs or {}), rung=rung, bracket=bracket)
    trial = storage.create_trial(experiment_id, lambda _: draft)
    assert trial is not None
    for step, report in enumerate(reports or [], start=1):
        storage.add_report(trial.id, step, report)
    if state is not TrialState.RUNNING:
        storage.finish_trial(
            trial.id, state, value=value, metrics=dict(metrics or {}), reason=reason
        )
    return trial.number


def nas_attrs(kind: str, seed: int) -> dict[str, Any]:
    space = make_architecture_space({"type": kind})
    genotype = space.sample(np.random.default_rng(seed))
    return {
        "genotype": genotype.to_dict(),
        "genotype_hash": genotype.hash(),
        "architecture": genotype.describe(),
        "training": {"optimizer": "adamw", "lr": 0.01, "batch_size": 64, "epochs": 2},
        "provenance": {"seed": seed, "device": "cpu"},
    }


def add_nas_experiment(storage: Storage, kind: str, trials: int = 6) -> None:
    """An architecture search over ``kind``: finished, pruned, failed and running trials, a
    mutation lineage, a TAPAS prediction and a retrained, tested candidate."""
    config = {
        "objective": {"metric": "val_acc", "direction": "maximize"},
        "architecture": {"type": kind},
        "budget": {"max_trials": trials + 2},
        "seed": 0,
    }
    record = storage.create_experiment(f"nas-{kind}", config)
    for number in range(trials):
        attrs = nas_attrs(kind, number)
        if number >= 2:
            attrs.update(origin="mutation", parent=number - 1)
        if number == 1:
            attrs["tapas"] = {"predicted": 0.61}
        acc = 0.5 + 0.05 * number
        write_trial(
            storage,
            record.id,
            params={"lr": 0.01 * (number + 1)},
            value=acc,
            state=TrialState.PRUNED if number == 3 else TrialState.COMPLETE,
            reports=[
                {"val_acc": acc - 0.1, "train_loss": 1.0},
                {"val_acc": acc, "train_loss": 0.5},
            ],
            metrics={
                "val_acc": acc,
                "params": 1000.0 * (number + 1),
                "flops": 1e5 * (number + 1),
                "latency_ms": 0.1 * (number + 1),
                "train_seconds": 1.5,
            },
            attrs=attrs,
            reason="stopped at rung 1" if number == 3 else None,
            rung=1 if number == 3 else 2,
            bracket=0,
        )
    write_trial(
        storage,
        record.id,
        params={"lr": 0.5},
        value=None,
        state=TrialState.FAILED,
        attrs=nas_attrs(kind, 99),
        reason=f"diverged {XSS}",
    )
    write_trial(
        storage,
        record.id,
        params={"lr": 0.2},
        value=None,
        state=TrialState.RUNNING,
        reports=[{"val_acc": 0.3, "train_loss": 2.0}],
        attrs=nas_attrs(kind, 100),
    )
    storage.set_experiment_state(record.id, netsynth.ExperimentState.SEARCHING)
    storage.update_experiment(
        record.id, attrs={"final": [{"trial": 5, "test_acc": 0.71, "val_acc": 0.75}]}
    )


@pytest.fixture(scope="session")
def storage_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """One SQLite file with an HPO experiment, one with an attack for a name, and NAS ones."""
    url = f"sqlite:///{tmp_path_factory.mktemp('dashboard') / 'dash.db'}"
    hpo = netsynth.create_experiment(HPO, storage=url, seed=0)
    hpo.run(hpo_objective, max_trials=8, progress=False)
    named = netsynth.create_experiment(XSS, storage=url, seed=1)
    named.run(hpo_objective, max_trials=2, progress=False)
    storage = open_storage(url)
    for kind in SPACES:
        add_nas_experiment(storage, kind)
    storage.close()
    return url


@pytest.fixture
def out(tmp_path: Path) -> Path:
    return tmp_path / "picked"


@pytest.fixture
def client(storage_url: str, out: Path) -> Iterator[TestClient]:
    app = create_app(storage_url, token=TOKEN, out=out)
    with TestClient(app, base_url=BASE_URL, raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.fixture(scope="session")
def staged_storage_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A sequential experiment: one stage-1 architecture and one stage-2 tuning trial."""
    url = f"sqlite:///{tmp_path_factory.mktemp('staged') / 'staged.db'}"
    storage = open_storage(url)
    config = {
        "objective": {"metric": "val_acc", "direction": "maximize"},
        "architecture": {"type": "chain"},
        "tuning": {"top_k": 1, "budget": {"max_trials": 1}},
    }
    record = storage.create_experiment("seq", config)
    write_trial(storage, record.id, params={}, value=0.5, attrs=nas_attrs("chain", 0))
    write_trial(
        storage,
        record.id,
        params={"architecture": 0, "lr": 0.1},
        value=0.6,
        attrs={**nas_attrs("chain", 0), "stage": "tuning"},
    )
    storage.close()
    return url
