"""``estimator: zero_cost``: spec -> estimator -> one proxy score per trial, no training."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import torch

from netsynth.estimation.training import candidate_seed
from netsynth.experiment_record import ExperimentState
from netsynth.nn.build import build
from netsynth.runner.stored_estimator import estimator_from_config
from netsynth.space.space_kinds import genotype_from_dict
from netsynth.spec import SpecError, compile_spec, parse_spec
from netsynth.tapas.zero_cost import PROXIES
from netsynth.tapas.zero_cost_estimator import PROXY_NAMES, ZeroCostEstimator


def _spec(tmp_path: Path, zero_cost: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
    return {
        "name": "zc",
        "data": {"dataset": "digits"},
        "estimator": {"type": "zero_cost", **(zero_cost or {})},
        "architecture": {
            "type": "chain",
            "max_layers": 3,
            "widths": [16, 32],
            "training": {"optimizer": "adamw", "lr": 0.01, "batch_size": 64, "epochs": 1},
        },
        "budget": {"max_trials": 4},
        "final": {"top_k": 1, "epochs": 1, "export_dir": str(tmp_path / "out")},
        "seed": 0,
        **extra,
    }


@pytest.mark.usefixtures("one_torch_thread")
def test_a_zero_cost_search_scores_each_trial_by_its_proxy_and_trains_only_the_top_k(
    tmp_path: Path,
) -> None:
    spec = parse_spec(_spec(tmp_path, zero_cost={"proxy": "naswot", "batch_size": 32}))
    compiled = compile_spec(spec, source="spec.yaml", base_dir=tmp_path, storage="memory")
    estimator = compiled.estimator
    assert isinstance(estimator, ZeroCostEstimator) and estimator.proxy == "naswot"
    experiment = compiled.experiment
    state = experiment.run(estimator, progress=False, **compiled.run_options)
    assert state is ExperimentState.COMPLETED, experiment.record.reason
    trials = experiment.trials()
    assert len(trials) == 4
    batch = estimator.train.tensors("train")
    splits = estimator.train.splits()
    for trial in trials:
        assert trial.attrs["zero_cost"]["proxy"] == "naswot"
        assert "val_acc" not in trial.metrics  # never trained, never an LDE record
        # the stored score is the proxy of the trial's own untrained network
        torch.manual_seed(candidate_seed(experiment.seed, trial.number))
        net = build(genotype_from_dict(trial.attrs["genotype"]), splits.input_shape, 10)
        net.train()
        expected = max(PROXIES["naswot"](net, batch.x[:32], batch.y[:32]), -1e30)
        assert trial.metrics["zero_cost"] == pytest.approx(expected)
    best = max(trials, key=lambda t: t.metrics["zero_cost"])
    final = experiment.record.attrs["final"]
    assert [entry["trial"] for entry in final] == [best.number]  # only the top-1 trained


def test_a_bad_proxy_name_is_a_spec_error_naming_the_choices(tmp_path: Path) -> None:
    with pytest.raises(SpecError) as info:
        parse_spec(_spec(tmp_path, zero_cost={"proxy": "jacob_cov"}))
    message = info.value.render()
    assert "estimator.proxy" in message and "synflow" in message and "jacob_cov" in message
    with pytest.raises(ValueError, match="synflow, naswot"):
        ZeroCostEstimator(None, proxy="jacob_cov")  # type: ignore[arg-type]


def test_the_zero_cost_metric_is_the_objective(tmp_path: Path) -> None:
    spec = parse_spec(_spec(tmp_path))
    assert spec.resolved_objective.metric == "zero_cost"
    assert spec.estimator.proxy == "synflow"  # the default
    with pytest.raises(SpecError, match=r"objective\.metric"):
        parse_spec(_spec(tmp_path, objective={"metric": "val_acc", "direction": "maximize"}))
    with pytest.raises(SpecError, match=r"estimator: \{type: zero_cost"):  # the old spelling
        parse_spec({**_spec(tmp_path), "estimator": "train", "zero_cost": {"proxy": "snip"}})


def test_the_estimator_round_trips_through_its_stored_config(tmp_path: Path) -> None:
    spec = parse_spec(_spec(tmp_path, zero_cost={"proxy": "snip", "batch_size": 16}))
    compiled = compile_spec(spec, source="spec.yaml", base_dir=tmp_path, storage="memory")
    rebuilt = estimator_from_config(compiled.estimator.to_dict())  # type: ignore[attr-defined]
    assert isinstance(rebuilt, ZeroCostEstimator)
    assert (rebuilt.proxy, rebuilt.batch_size) == ("snip", 16)
    assert tuple(PROXIES) == PROXY_NAMES  # the spec's names are the proxies there are
