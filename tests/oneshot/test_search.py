"""One-shot trials on a small 1-D dataset: alpha learns, the genotype is valid, resume works."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from netsynth.oneshot.bilevel import alpha_step
from netsynth.oneshot.supernet import NB201Supernet
from netsynth.space.space_kinds import genotype_from_dict
from tests.oneshot.conftest import OPS, estimator, make_trial, space


def test_alpha_receives_gradients_in_both_orders() -> None:
    torch.manual_seed(0)
    net = NB201Supernet(OPS, (1, 16), 4, 4, 1)
    batch = (torch.randn(8, 1, 16), torch.randint(0, 4, (8,)))
    for order in (1, 2):
        before = net.alpha.detach().clone()
        optimizer = torch.optim.Adam([net.alpha], lr=1e-2)
        alpha_step(net, optimizer, batch, batch, order=order, xi=0.05)
        assert net.alpha.grad is not None and net.alpha.grad.abs().sum() > 0
        assert not torch.equal(before, net.alpha.detach())


@pytest.mark.parametrize(
    "options",
    [
        {"method": "darts"},
        {"method": "darts", "order": 2},
        {"method": "enas"},
        {"method": "enas", "child_sampling": "fair"},
    ],
)
def test_search_stores_alphas_and_a_valid_genotype(
    dataset: Path, tmp_path: Path, options: dict[str, object]
) -> None:
    trial, channel = make_trial()
    metrics = estimator(dataset, tmp_path, **options).estimate(trial)
    assert [step for step, _ in channel.reports] == [1, 2, 3]
    genotype = genotype_from_dict(trial.attrs["genotype"])
    space().flat().validate(space().params_of(genotype, space().decode(trial.params)[1]))
    assert trial.attrs["genotype_hash"] == genotype.hash()
    alphas = trial.attrs["alphas"]
    assert [entry["epoch"] for entry in alphas] == [1, 2, 3]
    for entry in alphas:
        assert len(entry["edges"]) == 6
        for probabilities in entry["edges"].values():
            assert set(probabilities) == set(OPS)
            assert sum(probabilities.values()) == pytest.approx(1.0, abs=1e-4)
    if options["method"] == "darts":  # alpha moved away from its near-uniform start
        first = alphas[0]["edges"]["0->1"]
        assert max(first.values()) - min(first.values()) > 1e-3
    assert 0.0 <= metrics["val_acc"] <= 1.0
    assert metrics["val_acc"] > 0.3  # 4 classes: the shared weights learned something


def test_early_stop_remedy_keeps_the_cell_before_the_collapse(
    dataset: Path, tmp_path: Path
) -> None:
    trial, _ = make_trial()
    estimator(dataset, tmp_path, remedy="early_stop", max_collapsed_edges=-1).estimate(trial)
    # max_collapsed_edges=-1: every cell is "collapsed", so the search stops after its first epoch.
    assert trial.attrs["oneshot"]["stopped_at_epoch"] == 1
    assert len(trial.attrs["alphas"]) == 1
    # No cell came before the collapse: the cap leaves no edge on none or skip_connect.
    ops = trial.attrs["genotype"]["ops"]
    assert not {"none", "skip_connect"} & set(ops)


def test_the_cap_keeps_only_the_surest_collapse_edges() -> None:
    from netsynth.oneshot.remedies import EarlyStop

    net = NB201Supernet(OPS, (1, 16), 4, 4, 1)  # OPS: none, skip_connect, conv_3x3, avg_pool
    p = torch.tensor(
        [
            [0.7, 0.1, 0.15, 0.05],  # none, surest
            [0.1, 0.6, 0.2, 0.1],  # skip, second
            [0.5, 0.1, 0.1, 0.3],  # none, capped: avg_pool next
            [0.1, 0.1, 0.7, 0.1],
            [0.1, 0.4, 0.3, 0.2],  # skip, capped: conv next
            [0.1, 0.1, 0.1, 0.7],
        ]
    )
    capped = EarlyStop(max_edges=2).capped(net, p)
    assert capped.ops == (
        "none",
        "skip_connect",
        "avg_pool_3x3",
        "conv_3x3",
        "conv_3x3",
        "avg_pool_3x3",
    )


@pytest.mark.parametrize(
    "options",
    [{"method": "darts"}, {"method": "enas"}, {"method": "enas", "child_sampling": "fair"}],
)
def test_search_resumes_from_its_last_epoch_checkpoint(
    dataset: Path, tmp_path: Path, options: dict[str, str]
) -> None:
    whole, _ = make_trial()
    estimator(dataset, tmp_path / "a", **options).estimate(whole)

    lost, _ = make_trial(crash_at=2)  # the worker dies while reporting epoch 2
    with pytest.raises(KeyboardInterrupt):
        estimator(dataset, tmp_path / "b", **options).estimate(lost)
    assert (tmp_path / "b" / "export" / "checkpoints" / "candidate-0.pt").exists()
    retry, retry_channel = make_trial()
    estimator(dataset, tmp_path / "b", **options).estimate(retry)
    assert retry.attrs["resumed_from_epoch"] == 2
    assert [step for step, _ in retry_channel.reports] == [3]
    assert retry.attrs["genotype"] == whole.attrs["genotype"]
    assert len(retry.attrs["alphas"]) == 3
    for a, b in zip(retry.attrs["alphas"], whole.attrs["alphas"], strict=True):
        for edge, probabilities in a["edges"].items():
            for op, p in probabilities.items():
                assert p == pytest.approx(b["edges"][edge][op], abs=1e-4)
    assert not (tmp_path / "b" / "export" / "checkpoints" / "candidate-0.pt").exists()


def test_dashboard_plots_the_stored_alphas(dataset: Path, tmp_path: Path) -> None:
    from types import SimpleNamespace

    from netsynth.dashboard.plots import darts_alphas

    trial, _ = make_trial()
    estimator(dataset, tmp_path).estimate(trial)
    plot = darts_alphas([SimpleNamespace(number=0, attrs=trial.attrs)])  # type: ignore[list-item]
    assert plot is not None
