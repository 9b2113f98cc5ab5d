"""The tabular benchmark: the batched trainer, a small table made end to end, the estimator."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from netsynth import create_experiment
from netsynth.nn.nb201_batched import BatchedNB201
from netsynth.nn.nb201_net import build_nb201
from netsynth.space.genotype import GenotypeError
from netsynth.space.nb201_genotype import EDGES, NB201Genotype
from netsynth.tabular.estimator import TabularEstimator, tabular_space
from netsynth.tabular.generate import generate
from netsynth.tabular.recipe import TableRecipe
from netsynth.tabular.table import TabularTable

CELLS = [
    ("conv_3x3", "avg_pool_3x3", "skip_connect", "conv_3x3", "none", "avg_pool_3x3"),
    ("skip_connect", "conv_3x3", "conv_3x3", "none", "avg_pool_3x3", "conv_3x3"),
    ("conv_1x1",) * 6,
]


def _single_network(
    batched: BatchedNB201, k: int, cell: tuple[str, ...], c: int
) -> torch.nn.Module:
    """Network ``k`` of ``batched`` as an ordinary NB201Net with the same weights."""
    n = batched.k
    net = build_nb201(NB201Genotype(cell, c, 1), (1, 40), 10)
    state: dict[str, torch.Tensor] = {}

    def take(weight: torch.Tensor, c_out: int) -> torch.Tensor:
        return weight.view(-1, c_out, *weight.shape[1:])[k]

    def norm(prefix: str, module: torch.nn.Module, width: int) -> None:
        for name in ("weight", "bias", "running_mean", "running_var"):
            state[f"{prefix}.{name}"] = getattr(module, name).view(n, width)[k]

    state["stem.0.weight"] = take(batched.stem, c)
    norm("stem.1", batched.stem_norm, c)
    for index, width in ((0, c), (2, 2 * c), (4, 4 * c)):
        for e, (i, j) in enumerate(EDGES):
            if cell[e] in ("conv_1x1", "conv_3x3"):
                conv = batched.body[index].convs[f"{e}_{cell[e]}"]
                state[f"body.{index}.edges.{i}_{j}.1.weight"] = take(conv.weight, width)
                norm(f"body.{index}.edges.{i}_{j}.2", conv.norm, width)
    for index, width in ((1, c), (3, 2 * c)):
        block = batched.body[index]
        state[f"body.{index}.conv_a.1.weight"] = take(block.conv_a.weight, 2 * width)
        norm(f"body.{index}.conv_a.2", block.conv_a.norm, 2 * width)
        state[f"body.{index}.conv_b.1.weight"] = take(block.conv_b.weight, 2 * width)
        norm(f"body.{index}.conv_b.2", block.conv_b.norm, 2 * width)
        state[f"body.{index}.shortcut.1.weight"] = take(block.shortcut, 2 * width)
    norm("head.0", batched.head_norm, 4 * c)
    state["head.4.weight"] = batched.classifier[k].T
    state["head.4.bias"] = batched.classifier_bias[k]
    missing = net.load_state_dict({a: b.detach().clone() for a, b in state.items()}, strict=False)
    assert [m for m in missing.missing_keys if "num_batches" not in m] == []
    return net


def test_batched_networks_compute_exactly_what_each_network_alone_does() -> None:
    torch.manual_seed(0)
    batched = BatchedNB201(CELLS, 4, 10)
    x = torch.randn(16, 1, 40)
    singles = [_single_network(batched, k, cell, 4) for k, cell in enumerate(CELLS)]
    out = batched(x)  # train mode: batch statistics, running statistics updated
    for k, net in enumerate(singles):
        torch.testing.assert_close(out[:, k], net(x), atol=1e-5, rtol=1e-5)
    batched.eval()
    for k, net in enumerate(singles):
        net.eval()
        torch.testing.assert_close(batched(x)[:, k], net(x), atol=1e-5, rtol=1e-5)


def test_each_network_gets_only_its_own_gradient() -> None:
    torch.manual_seed(0)
    batched = BatchedNB201(CELLS, 4, 10)
    batched(torch.randn(8, 1, 40))[:, 1].sum().backward()
    grad = batched.classifier.grad
    assert grad is not None and grad[1].abs().sum() > 0
    assert grad[0].abs().sum() == 0 and grad[2].abs().sum() == 0


@pytest.fixture(scope="module")
def small_table(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A whole table, made by the real generator, over two ops: 14 cells in two groups."""
    out = tmp_path_factory.mktemp("table") / "table.npz"
    recipe = TableRecipe(ops=("none", "skip_connect"), init_channels=2, epochs=2, group_size=8)
    generate(recipe, out, workers=1, calibration_cells=3)
    return out


def test_the_generator_makes_a_complete_table(small_table: Path) -> None:
    table = TabularTable.load(small_table)
    recipe = TableRecipe.from_dict(table.header["recipe"])
    assert len(table) == len(recipe.cells())
    assert table.val_acc.shape == (len(table), 2)
    assert ((table.test_acc >= 0) & (table.test_acc <= 1)).all()
    assert (table.params > 0).all() and (table.epoch_seconds > 0).all()
    # Every cell of the op set finds its row, through any equivalent form.
    row = table.row(("skip_connect", "none", "none", "none", "none", "none"))
    assert row.cell == ("none",) * 6  # a dead edge: the canonical form is empty
    assert table.header["splits"] == {"train": 2997, "val": 1003, "test": 1000}


def test_generation_resumes_without_redoing_groups(small_table: Path) -> None:
    parts = small_table.with_name(small_table.name + ".parts")
    before = {p: p.stat().st_mtime_ns for p in parts.iterdir()}
    recipe = TableRecipe.from_dict(TabularTable.load(small_table).header["recipe"])
    generate(
        recipe, small_table, workers=1, calibration_cells=3
    )  # nothing left to train: only reassembled
    assert {p: p.stat().st_mtime_ns for p in parts.iterdir()} == before


def test_a_cell_outside_the_table_is_a_clear_error(small_table: Path) -> None:
    table = TabularTable.load(small_table)
    with pytest.raises(GenotypeError, match="conv_3x3"):
        table.row(("conv_3x3",) * 6)


def test_estimator_answers_a_search_with_a_simulated_clock(small_table: Path) -> None:
    estimator = TabularEstimator(str(small_table))
    experiment = create_experiment(
        architecture=tabular_space(estimator.table),
        metric="val_acc",
        direction="maximize",
        strategy="evolution",
        seed=1,
    )
    budget = 5 * float(estimator.table.epoch_seconds.mean()) * estimator.table.epochs
    experiment.run(estimator, max_compute_seconds=budget, progress=False)
    trials = experiment.trials()
    simulated = [t.metrics["simulated_seconds"] for t in trials]
    assert sum(simulated[:-1]) < budget <= sum(simulated)  # stops once the budget is spent
    best = experiment.best_trial
    assert best is not None
    cell = tuple(best.attrs["genotype"]["ops"])
    row = estimator.table.row(cell)
    assert best.value == pytest.approx(float(row.val_acc[-1]))
    assert best.metrics["test_acc"] == pytest.approx(row.test_acc)
    assert [r.step for r in best.reports] == [1, 2]  # a report per epoch


def test_low_fidelity_reads_the_curve_at_that_epoch(small_table: Path) -> None:
    estimator = TabularEstimator(str(small_table))
    space = tabular_space(estimator.table)
    experiment = create_experiment(
        architecture=space, metric="val_acc", direction="maximize", seed=0
    )
    trial = experiment.ask()
    trial.task.fidelity["epochs"] = 1  # as a scheduler would set it
    metrics = estimator.estimate(trial)
    genotype, _ = space.decode(trial.params)
    assert metrics["val_acc"] == pytest.approx(float(estimator.table.row(genotype.ops).val_acc[0]))  # type: ignore[attr-defined]
    assert "test_acc" not in metrics and metrics["epochs"] == 1


def test_a_fidelity_the_table_cannot_answer_is_refused(small_table: Path) -> None:
    estimator = TabularEstimator(str(small_table))
    experiment = create_experiment(
        architecture=tabular_space(estimator.table), metric="val_acc", direction="maximize"
    )
    trial = experiment.ask()
    trial.task.fidelity["data_fraction"] = 0.5
    with pytest.raises(ValueError, match="cannot answer the fidelity data_fraction"):
        estimator.estimate(trial)


def test_the_shipped_table_covers_its_space() -> None:
    table = TabularTable.load()
    recipe = TableRecipe.from_dict(table.header["recipe"])
    assert table.cells == [",".join(c) for c in recipe.cells()]
    space = tabular_space(table)
    rng = np.random.default_rng(0)
    for _ in range(50):
        genotype = space.sample(rng)
        assert 0.0 < table.row(genotype.ops).test_acc <= 1.0  # type: ignore[attr-defined]
