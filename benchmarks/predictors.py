"""TAPAS and the zero-cost proxies, measured side by side in one run (not a timed test).

    NETSYNTH_THREADS=1 python benchmarks/predictors.py [--quick]

1. Leave-one-dataset-out on the seed LDE: Kendall tau / Spearman rho between predicted and
   real accuracy of every held-out dataset's networks, for the TAP trained on the other
   datasets (all of them; DCN-filtered with tau = 0.05, widened to the nearest datasets when
   fewer than 100 records lie within it), the zero-cost proxies and the parameter count.
2. Spearman rho of each zero-cost proxy over every architecture of the tabular benchmark.
3. TAP prediction throughput (networks per second, encoding included, CPU).
4. A train-less search on MNIST-1D: the TAP's top-1 of 10,000 sampled candidates, trained,
   against random search given the same wall time.
5. Repeatability: Kendall tau between the seed LDE's accuracies and the same networks
   trained again with other seeds, per dataset (the noise ceiling of section 1's tau).
"""

from __future__ import annotations

import argparse
import os
import platform
import time

import numpy as np
import torch
from scipy.stats import kendalltau, spearmanr

from netsynth.data.splits import make_splits
from netsynth.nn.build import build
from netsynth.space.chain_genotype import ChainGenotype
from netsynth.space.nb201_genotype import NB201Genotype
from netsynth.tabular.table import TabularTable
from netsynth.tapas.lde_record import LDERecord
from netsynth.tapas.predictor import TAP, TAPConfig
from netsynth.tapas.seed_lde import (
    SEED_DATASETS,
    load_seed,
    sample_candidates,
    train_record,
)
from netsynth.tapas.tapas_estimator import select_records
from netsynth.tapas.zero_cost import PROXIES, score_all
from netsynth.training_config import TrainingConfig

PROXY_NAMES = list(PROXIES)


def _corr(pred: np.ndarray, real: np.ndarray) -> tuple[float, float]:
    return float(kendalltau(pred, real).statistic), float(spearmanr(pred, real).statistic)


def _batch(splits: object, n: int = 64) -> tuple[torch.Tensor, torch.Tensor]:
    x, y = splits.train.x[:n], splits.train.y[:n]  # type: ignore[attr-defined]
    return torch.as_tensor(x), torch.as_tensor(y)


def _proxy_scores(records: list[LDERecord], splits: object) -> dict[str, np.ndarray]:
    x, y = _batch(splits)
    out: dict[str, list[float]] = {name: [] for name in PROXY_NAMES}
    for r in records:
        torch.manual_seed(0)
        net = build(ChainGenotype.from_dict(r.genotype), r.input_shape, r.num_classes)
        for name, value in score_all(net, x, y).items():
            out[name].append(value)
    return {k: np.asarray(v) for k, v in out.items()}


# the TAP configurations measured side by side; "DCN" selects the records near the held-out
# dataset's DCN (tau 0.05, widened to >= 100 records) instead of every other dataset's
VARIANTS: dict[str, tuple[TAPConfig, bool]] = {
    "TAP all": (TAPConfig(), False),  # the default: minibatches, MSE + pairwise ranking loss
    "TAP DCN-filtered": (TAPConfig(), True),
    "TAP all +synflow": (TAPConfig(proxies=("synflow",)), False),
    "MSE all": (TAPConfig(rank_weight=0.0), False),  # squared error alone
    "MSE DCN-filtered": (TAPConfig(rank_weight=0.0), True),
    "MSE all +synflow": (TAPConfig(rank_weight=0.0, proxies=("synflow",)), False),
    # the fit before: 200 full-batch Adam steps on the squared error
    "MSE all full-batch": (TAPConfig(epochs=200, batch_size=None, rank_weight=0.0), False),
}


def leave_one_dataset_out(
    records: list[LDERecord], held_out: list[str], variants: list[str], proxies: bool
) -> None:
    print("\n## Leave-one-dataset-out on the seed LDE (Kendall tau / Spearman rho)\n")
    header = ["held out", "DCN", "n", *variants, *(PROXY_NAMES if proxies else [])]
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for name in held_out:
        held = [r for r in records if r.dataset == name]
        rest = [r for r in records if r.dataset != name]
        real = np.array([r.accuracy for r in held])
        dcn = held[0].dcn
        cells = [name, f"{dcn:.3f}", str(len(held))]
        for variant in variants:
            config, filtered = VARIANTS[variant]
            selection = select_records(records, dcn, exclude=name).records if filtered else rest
            started = time.perf_counter()
            tap = TAP(config, seed=0).fit(selection)
            pred = tap.predict(
                [r.genotype for r in held],
                dcn=dcn,
                input_shape=held[0].input_shape,
                num_classes=held[0].num_classes,
                training=[r.training for r in held],
            )
            t, rho = _corr(pred, real)
            seconds = time.perf_counter() - started
            cells.append(f"{t:.2f} / {rho:.2f} ({len(selection)}; {seconds:.0f} s)")
        if proxies:
            splits = make_splits(
                SEED_DATASETS[name](), val_fraction=0.25, test_fraction=0.1, seed=0
            )
            for scores in _proxy_scores(held, splits).values():
                t, rho = _corr(scores, real)
                cells.append(f"{t:.2f} / {rho:.2f}")
        print("| " + " | ".join(cells) + " |", flush=True)


def tabular_spearman(quick: bool) -> None:
    table = TabularTable.load()
    recipe = table.header["recipe"]
    from netsynth.data.registry import load_dataset

    splits = make_splits(load_dataset("mnist1d"), seed=0)
    x, y = _batch(splits)
    cells = table.cells[:100] if quick else table.cells
    scores: dict[str, list[float]] = {name: [] for name in PROXY_NAMES}
    started = time.perf_counter()
    for cell in cells:
        genotype = NB201Genotype(
            tuple(cell.split(",")), recipe["init_channels"], recipe["cells_per_stage"]
        )
        torch.manual_seed(0)
        net = build(genotype, splits.input_shape, splits.num_classes)
        for name, value in score_all(net, x, y).items():
            scores[name].append(value)
    seconds = time.perf_counter() - started
    test = table.test_acc[: len(cells)]
    print(
        f"\n## Zero-cost proxies over the tabular benchmark ({len(cells)} NB201 cells on "
        f"MNIST-1D, test accuracy; {seconds:.0f} s for all proxies)\n"
    )
    print("| proxy | Spearman rho | Kendall tau |\n|---|---|---|")
    for name, values in scores.items():
        t, rho = _corr(np.asarray(values), test)
        print(f"| {name} | {rho:.3f} | {t:.3f} |")


def throughput(records: list[LDERecord], config: TAPConfig) -> TAP:
    tap = TAP(config, seed=0)
    started = time.perf_counter()
    tap.fit(records)
    fit_s = time.perf_counter() - started
    genotypes = [g for g, _ in sample_candidates(10_000, seed=7)]
    tap.predict(genotypes[:100], dcn=0.5, input_shape=(1, 40), num_classes=10)  # warm up
    runs = []
    for _ in range(5):
        started = time.perf_counter()
        tap.predict(genotypes, dcn=0.5, input_shape=(1, 40), num_classes=10)
        runs.append(time.perf_counter() - started)
    best, median = min(runs), float(np.median(runs))
    print("\n## TAP throughput (CPU, one thread, encoding included)\n")
    print(
        f"fit on {len(records)} records: {fit_s:.1f} s; 10,000 networks predicted 5 times: "
        f"best {best:.3f} s = {10_000 / best:,.0f} networks/s, median {median:.3f} s = "
        f"{10_000 / median:,.0f} networks/s"
    )
    return tap


def trainless_search(records: list[LDERecord], quick: bool, config: TAPConfig) -> None:
    """MNIST-1D is held out: the TAP learns from the other datasets' records only."""
    target = "mnist1d"
    dataset = SEED_DATASETS[target]()
    splits = make_splits(dataset, val_fraction=0.25, test_fraction=0.1, seed=0)
    dcn = next(r.dcn for r in records if r.dataset == target)
    started = time.perf_counter()
    selection = select_records(records, dcn, exclude=target).records
    tap = TAP(config, seed=0).fit(selection)
    candidates = sample_candidates(1000 if quick else 10_000, seed=11)
    pred = tap.predict(
        [g for g, _ in candidates],
        dcn=dcn,
        input_shape=splits.input_shape,
        num_classes=splits.num_classes,
        training=[c.to_dict() for _, c in candidates],
    )
    best = int(np.argmax(pred))
    genotype, config = candidates[best]
    chosen = train_record(target, splits, dcn, genotype, config, seed=0)
    tapas_s = time.perf_counter() - started
    # random search, same wall time
    started = time.perf_counter()
    tried: list[LDERecord] = []
    for i, (g, c) in enumerate(sample_candidates(10_000, seed=12)):
        if time.perf_counter() - started >= tapas_s and tried:
            break
        tried.append(train_record(target, splits, dcn, g, c, seed=i))
    random_s = time.perf_counter() - started
    top = max(tried, key=lambda r: r.accuracy)
    print("\n## Train-less search on MNIST-1D (held out of the TAP's records)\n")
    print("| search | networks trained | wall s | val accuracy of its pick |\n|---|---|---|---|")
    print(
        f"| TAPAS top-1 of {len(candidates):,} predicted, then trained | 1 | {tapas_s:.1f} | "
        f"{chosen.accuracy:.3f} (predicted {pred[best]:.3f}) |"
    )
    print(
        f"| random search, equal wall time | {len(tried)} | {random_s:.1f} | {top.accuracy:.3f} |"
    )
    print(
        f"\nTAPAS pick: {ChainGenotype.from_dict(chosen.genotype).describe()}; random's: "
        f"{ChainGenotype.from_dict(top.genotype).describe()}"
    )


def repeatability(records: list[LDERecord], names: list[str], count: int) -> None:
    """The ceiling of any predictor's tau: the real accuracies of ``count`` of a dataset's
    seed networks against the same networks trained again with other seeds (same data, same
    recipe). A predictor is scored against one noisy run, so it cannot rank much better than
    the networks' expected accuracy does; if run = expected + independent Gaussian noise, the
    rerun tau t gives that ceiling as (2/pi) asin(sqrt(sin(pi t / 2))) (Greiner's relation
    tau = (2/pi) asin(r), and r(expected, run) = sqrt(r(run, rerun)))."""
    print(f"\n## Repeatability: Kendall tau between two trainings of {count} networks each")
    print(
        "| dataset | records | accuracy spread (sd) | tau, run vs rerun "
        "| ceiling of tau vs one run | seconds |"
    )
    print("| --- | --- | --- | --- | --- | --- |")
    for name in names:
        mine = [r for r in records if r.dataset == name][:count]
        if len(mine) < 3:
            continue
        started = time.perf_counter()
        splits = make_splits(SEED_DATASETS[name](), val_fraction=0.25, test_fraction=0.1, seed=0)
        again = [
            train_record(
                name,
                splits,
                r.dcn,
                ChainGenotype.from_dict(r.genotype),
                TrainingConfig.from_dict(r.training),
                100_000 + i,
            ).accuracy
            for i, r in enumerate(mine)
        ]
        first = [r.accuracy for r in mine]
        tau = float(kendalltau(first, again).statistic)
        ceiling = 2 / np.pi * np.arcsin(np.sqrt(np.sin(np.pi * tau / 2))) if tau > 0 else 0.0
        print(
            f"| {name} | {len(mine)} | {float(np.std(first)):.3f} | {tau:.2f} | {ceiling:.2f} | "
            f"{time.perf_counter() - started:.0f} |",
            flush=True,
        )


SECTIONS = ("loo", "tabular", "throughput", "search", "repeatability")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="a smoke run: one dataset, less")
    parser.add_argument("--sections", default=",".join(SECTIONS), help="which to run")
    parser.add_argument("--held-out", default="", help="datasets to hold out (default: all)")
    parser.add_argument(
        "--variants",
        default="TAP all,TAP DCN-filtered,TAP all +synflow,MSE all,MSE all full-batch",
        help="TAP variants (VARIANTS)",
    )
    parser.add_argument("--no-proxies", action="store_true", help="skip the proxy columns")
    parser.add_argument("--tap", default="TAP all", help="the variant of throughput and search")
    parser.add_argument("--repeats", type=int, default=60, help="networks retrained per dataset")
    args = parser.parse_args()
    torch.set_num_threads(int(os.environ.get("NETSYNTH_THREADS", "1")))
    records = load_seed()
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores visible, torch "
        f"{torch.__version__}, {torch.get_num_threads()} thread(s); seed LDE: "
        f"{len(records)} records on {len({r.dataset for r in records})} datasets"
    )
    sections = args.sections.split(",")
    config = VARIANTS[args.tap][0]
    if "loo" in sections:
        names = args.held_out.split(",") if args.held_out else list(SEED_DATASETS)
        leave_one_dataset_out(
            records, names[:1] if args.quick else names, args.variants.split(","),
            not args.no_proxies,
        )  # fmt: skip
    if "tabular" in sections:
        tabular_spearman(args.quick)
    if "throughput" in sections:
        throughput(records, config)
    if "search" in sections:
        trainless_search(records, args.quick, config)
    if "repeatability" in sections:
        names = args.held_out.split(",") if args.held_out else list(SEED_DATASETS)
        repeatability(records, names[:1] if args.quick else names, args.repeats)


if __name__ == "__main__":
    main()
