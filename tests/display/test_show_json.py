"""``netsynth show --format json|csv``: one strict, versioned JSON document (the experiment, its
trials, the retrained models, the winner) checked against the schema the package ships, and
CSV whose columns are every row's keys."""

from __future__ import annotations

import csv
import io
import json
import math
from typing import Any

import jsonschema
import pytest

from netsynth.cli import main
from netsynth.experiment_record import ExperimentState
from netsynth.storage import Storage, TrialDraft, open_storage
from netsynth.trial_record import TrialState
from tests.conftest import reject_constant, show_schema

TRAINING = {"optimizer": "adamw", "lr": 0.01, "batch_size": 64, "epochs": 3}


def _trial(
    storage: Storage,
    experiment_id: int,
    value: float | None,
    *,
    state: TrialState = TrialState.COMPLETE,
    attrs: dict[str, Any] | None = None,
    metrics: dict[str, float] | None = None,
) -> int:
    draft = TrialDraft(params={"lr": 0.01}, attrs=dict(attrs or {}))
    trial = storage.create_trial(experiment_id, lambda _: draft)
    assert trial is not None
    storage.finish_trial(trial.id, state, value=value, metrics=metrics or {})
    return trial.number


def _architecture(name: str, **extra: Any) -> dict[str, Any]:
    return {"architecture": name, "training": TRAINING, **extra}


def _final(trial: int, rank: int, **extra: Any) -> dict[str, Any]:
    """A retrained candidate as RETRAINING and EVALUATING store it."""
    return {
        "rank": rank,
        "trial": trial,
        "architecture": f"net-{trial}",
        "training": TRAINING,
        "val_acc": 0.9 - rank / 10,
        "params": 1234 + trial,
        "flops": 5e4,
        "latency_ms": 0.2,
        "epochs": 3,
        "cut_by_time": False,
        "stopped_by_clock": False,
        "train_seconds": 1.5,
        "test_acc": 0.85 - rank / 10,
        "test_loss": 0.4,
        **extra,
    }


@pytest.fixture
def sequential(sqlite_url: str) -> str:
    """A finished sequential pipeline: its best trial is from stage 1 (no "stage" attr), a
    stage-2 trial below it, a failed trial with no architecture; two retrained models, the
    first exported; NaN and infinity where a run can leave them."""
    storage = open_storage(sqlite_url)
    config = {
        "objective": {"metric": "val_acc", "direction": "maximize"},
        "seed": 0,
        "budget": {"max_trials": 2},
        "tuning": {"top_k": 1, "budget": {"max_trials": 1}},
    }
    record = storage.create_experiment("seq", config)
    best = _trial(
        storage,
        record.id,
        0.9,
        attrs=_architecture("net-0"),
        metrics={"params": 1234.0, "latency_ms": math.nan},
    )
    tuned = _trial(
        storage,
        record.id,
        0.8,
        attrs=_architecture("net-0", stage="tuning"),
        metrics={"params": 1235.0, "latency_ms": math.inf},
    )
    _trial(storage, record.id, None, state=TrialState.FAILED)
    storage.update_experiment(
        record.id,
        attrs={
            "final": [_final(best, 0, test_loss=math.nan), _final(tuned, 1, latency_ms=math.inf)],
            "winner": best,
            "export": {"folder": "/models/seq/model", "trial": best},
        },
    )
    storage.set_experiment_state(record.id, ExperimentState.COMPLETED, "done")
    return sqlite_url


def _show(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    code = main(["show", *args])
    out, err = capsys.readouterr()
    assert code == 0, err
    return out


def test_json_is_strict_versioned_and_carries_the_retrained_models(
    sequential: str, capsys: pytest.CaptureFixture[str]
) -> None:
    text = _show(capsys, "seq", "--storage", sequential, "--format", "json")
    document = json.loads(text, parse_constant=reject_constant)  # no NaN, no Infinity
    jsonschema.validate(document, show_schema())
    assert document["schema_version"] == 1
    assert document["experiment"]["name"] == "seq"
    assert document["experiment"]["state"] == "COMPLETED"
    assert document["experiment"]["mode"] == "sequential"
    assert document["experiment"]["trials_total"] == 3
    assert document["winner"] == 0
    exported, other = document["final_models"]
    assert (exported["trial"], exported["exported"], exported["winner"]) == (0, True, True)
    assert exported["export_path"] == "/models/seq/model"
    assert exported["test_loss"] is None  # NaN in storage
    assert (exported["search_metric"], exported["search_value"]) == ("val_acc", 0.9)
    assert (exported["param_count"], exported["epochs"], exported["search_rank"]) == (1234, 3, 1)
    assert (other["exported"], other["export_path"], other["latency_ms"]) == (False, None, None)


def test_every_row_carries_every_key_and_stage_one_rows_say_so(
    sequential: str, capsys: pytest.CaptureFixture[str]
) -> None:
    text = _show(capsys, "seq", "--storage", sequential, "--format", "json")
    rows = json.loads(text)["trials"]
    assert [row["stage"] for row in rows] == ["search", "tuning", "search"]
    assert len({tuple(row) for row in rows}) == 1  # the same keys, in the same order
    failed = rows[-1]
    assert failed["state"] == "FAILED" and failed["architecture"] is None
    assert rows[0]["metrics"]["latency_ms"] is None and rows[1]["metrics"]["latency_ms"] is None


def test_csv_columns_are_the_union_of_the_rows_keys(
    sequential: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # The best row is stage 1's: the stage column must not come from the first row alone.
    text = _show(capsys, "seq", "--storage", sequential, "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert next(iter(csv.reader(io.StringIO(text))))[:5] == [
        "rank",
        "trial",
        "state",
        "val_acc",
        "lr",
    ]
    assert [row["stage"] for row in rows] == ["search", "tuning", "search"]
    assert json.loads(rows[0]["training"]) == TRAINING  # nested values as JSON
    final = _show(capsys, "seq", "--storage", sequential, "--format", "csv", "--what", "final")
    models = list(csv.DictReader(io.StringIO(final)))
    assert [(m["trial"], m["exported"], m["export_path"]) for m in models] == [
        ("0", "True", "/models/seq/model"),
        ("1", "False", ""),
    ]


def test_the_table_shows_both_tables_or_the_one_asked_for(
    sequential: str, capsys: pytest.CaptureFixture[str]
) -> None:
    both = _show(capsys, "seq", "--storage", sequential)
    assert "stage 1" in both and "retrained on train+val, tested" in both
    assert "exported to /models/seq/model" in both
    final = _show(capsys, "seq", "--storage", sequential, "--what", "final")
    assert "retrained on train+val, tested" in final and "stage 1" not in final
    trials = _show(capsys, "seq", "--storage", sequential, "--what", "trials")
    assert "stage 1" in trials and "retrained" not in trials


def test_what_with_json_is_refused(sequential: str, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["show", "seq", "--storage", sequential, "--format", "json", "--what", "final"])
    assert code == 2
    assert "--what" in capsys.readouterr().err


def test_an_unfinished_hpo_experiment_validates_too(
    sqlite_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    import netsynth

    experiment = netsynth.create_experiment("hpo", storage=sqlite_url, seed=0)
    experiment.run(lambda t: math.inf if t.number == 1 else t.suggest_float("x", 0, 1),
                   max_trials=3, progress=False)  # fmt: skip
    document = json.loads(
        _show(capsys, "hpo", "--storage", sqlite_url, "--format", "json"),
        parse_constant=reject_constant,
    )
    jsonschema.validate(document, show_schema())
    assert document["final_models"] == [] and document["winner"] is None
    assert [row["value"] for row in document["trials"]][-1] is None  # +inf: minimized, last
    assert all("stage" not in row for row in document["trials"])
