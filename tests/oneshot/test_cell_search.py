"""DARTS of the cell space (normal and reduction cells in a macro skeleton) inside one trial."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from netsynth.estimation.training import DataConfig, FinalConfig
from netsynth.oneshot.config import OneShotConfig
from netsynth.oneshot.darts_supernet import edge_count
from netsynth.oneshot.oneshot_estimator import OneShotEstimator
from netsynth.space.cell_genotype import CellGenotype
from netsynth.space.cell_space import CellSpace, CellSpaceConfig
from netsynth.space.space_kinds import genotype_from_dict
from netsynth.space.training_space import TrainingSpaceConfig
from netsynth.training_config import TrainingConfig
from netsynth.trial import Trial
from netsynth.trial_task import TrialTask
from tests.oneshot.conftest import FakeChannel

CELL_OPS = ["none", "skip_connect", "sep_conv_3x3", "max_pool_3x3"]


def cell_space() -> CellSpace:
    training = TrainingSpaceConfig(optimizer="sgd", lr=0.05, batch_size=64, epochs=2)
    config = CellSpaceConfig(
        nodes=2, ops=CELL_OPS, stages=2, cells_per_stage=1, init_channels=4, training=training
    )
    return CellSpace(config)


def search(dataset: Path, tmp_path: Path, **options: object) -> tuple[Trial, dict[str, float]]:
    space = cell_space()
    config = OneShotConfig.from_dict({"epochs": 2, "batch_size": 32, **options})
    estimator = OneShotEstimator(
        space,
        DataConfig(str(dataset)),
        config,
        FinalConfig(export_dir=str(tmp_path / "export")),
        device="cpu",
        threads=1,
    )
    params = space.params_of(space.sample(np.random.default_rng(0)), TrainingConfig())
    task = TrialTask(trial_id=1, number=0, seed=0, metric="val_acc", params=params)
    trial = Trial(task, FakeChannel())  # type: ignore[arg-type]
    return trial, estimator.estimate(trial)


@pytest.mark.parametrize("remedy", ["none", "perturbation"])
def test_darts_searches_the_cell_space(dataset: Path, tmp_path: Path, remedy: str) -> None:
    trial, metrics = search(dataset, tmp_path, remedy=remedy, tune_steps=2)
    genotype = genotype_from_dict(trial.attrs["genotype"])
    assert isinstance(genotype, CellGenotype)
    space = cell_space()
    space.flat().validate(space.params_of(genotype, space.decode(trial.params)[1]))
    for cell in (genotype.normal, genotype.reduce):
        for j, node in enumerate(cell.nodes):
            assert all(op != "none" for op, _ in node)
            assert len({source for _, source in node}) == 2
            assert max(source for _, source in node) < j + 2
    alphas = trial.attrs["alphas"]
    assert [entry["epoch"] for entry in alphas] == [1, 2]
    assert len(alphas[-1]["edges"]) == 2 * edge_count(2)
    assert 0.0 <= metrics["parameter_free_share"] <= 1.0 and metrics["val_acc"] > 0.25


def test_enas_on_the_cell_space_is_refused_with_a_reason(dataset: Path) -> None:
    with pytest.raises(ValueError, match="enas searches the nb201 space"):
        OneShotEstimator(
            cell_space(), DataConfig(str(dataset)), OneShotConfig(method="enas"), device="cpu"
        )


def oneshot_spec(space_type: str, **oneshot: object) -> dict[str, object]:
    space = (
        {"type": "nb201", "ops": ["none", "conv_3x3"]}
        if space_type == "nb201"
        else {"type": "cell", "nodes": 2, "ops": CELL_OPS, "stages": 2, "cells_per_stage": 1}
    )
    return {
        "name": "oneshot-spec",
        "data": {"dataset": "digits"},
        "architecture": space,
        "estimator": {"type": "oneshot", "method": "darts", **oneshot},
        "budget": {"max_trials": 1},
    }


def test_the_spec_takes_the_cell_space_and_names_bad_oneshot_settings() -> None:
    from netsynth.spec import SpecError, parse_spec

    spec = parse_spec(oneshot_spec("cell", remedy="perturbation", options={"tune_steps": 5}))
    assert spec.estimator.type == "oneshot" and spec.estimator.remedy == "perturbation"
    with pytest.raises(SpecError, match=r"estimator\.options.*max_skips.*allowed:.*tune_steps"):
        parse_spec(oneshot_spec("nb201", options={"max_skips": 1}))
    with pytest.raises(SpecError, match=r"estimator\.method.*nb201"):
        parse_spec(oneshot_spec("cell", method="enas"))
