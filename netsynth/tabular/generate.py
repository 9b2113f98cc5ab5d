"""Make the tabular benchmark: train every cell of the recipe's space on MNIST-1D, once.

    python -m netsynth.tabular.generate --out nb201_mnist1d.npz [--workers 2]

Cells are trained in groups of ``recipe.group_size`` as one ``BatchedNB201`` (the same
mini-batches for every network of a group; each network's gradient is its own). Each finished
group is written to ``<out>.parts/`` at once, so an interrupted run continues where it stopped;
when all groups are in, they are assembled into the table. Deterministic: group ``g`` is seeded
with ``recipe.seed + g``, and every worker runs one thread.

Per cell the table holds the validation accuracy and training loss after every epoch, the test
accuracy after the last epoch, parameters and FLOPs of the single network, and its training time
per epoch *when trained alone*, from a cost model (seconds = a + b * MFLOPs) fitted on cells timed
alone on the generating machine, since time inside a group is shared.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import platform
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from netsynth.data.builtin import load_mnist1d
from netsynth.data.splits import Splits, make_splits
from netsynth.nn.complexity import count_flops, count_params
from netsynth.nn.nb201_batched import BatchedNB201
from netsynth.nn.nb201_net import build_nb201
from netsynth.space.nb201_genotype import NB201Genotype
from netsynth.tabular.recipe import TableRecipe
from netsynth.tabular.table import TABLE_VERSION, cell_key

_CALIBRATION_CELLS = 24  # cells timed alone to fit the per-epoch cost model


def load_splits(recipe: TableRecipe) -> Splits:
    return make_splits(
        load_mnist1d(options=recipe.mnist1d or None),
        val_fraction=recipe.val_fraction,
        seed=recipe.seed,
    )


def _accuracy(net: BatchedNB201, x: torch.Tensor, y: torch.Tensor) -> np.ndarray:
    """Per network, the accuracy on (x, y) in eval mode."""
    net.eval()
    correct = torch.zeros(net.k)
    with torch.no_grad():
        for start in range(0, len(x), 500):
            logits = net(x[start : start + 500])  # (B, K, classes)
            correct += (logits.argmax(dim=2) == y[start : start + 500, None]).sum(dim=0)
    net.train()
    accuracy: np.ndarray = (correct / len(x)).numpy()
    return accuracy


def train_group(
    cells: list[tuple[str, ...]], splits: Splits, recipe: TableRecipe, seed: int
) -> dict[str, np.ndarray]:
    """Train ``cells`` together with the recipe; per cell the curves and the test accuracy."""
    torch.manual_seed(seed)
    generator = torch.Generator().manual_seed(seed)
    net = BatchedNB201(
        cells,
        recipe.init_channels,
        splits.num_classes,
        in_channels=splits.input_shape[0],
        cells_per_stage=recipe.cells_per_stage,
    )
    k = len(cells)
    x = torch.from_numpy(splits.train.x)
    y = torch.from_numpy(splits.train.y)
    val_x, val_y = torch.from_numpy(splits.val.x), torch.from_numpy(splits.val.y)
    optimizer = torch.optim.SGD(
        net.parameters(),
        lr=recipe.learning_rate,
        momentum=recipe.momentum,
        nesterov=True,
        weight_decay=recipe.weight_decay,
    )
    steps_per_epoch = -(-len(x) // recipe.batch_size)
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(
        optimizer, T_max=recipe.epochs * steps_per_epoch
    )
    val_acc = np.zeros((k, recipe.epochs), np.float32)
    train_loss = np.zeros((k, recipe.epochs), np.float32)
    for epoch in range(recipe.epochs):
        order = torch.randperm(len(x), generator=generator)
        loss_sum = torch.zeros(k)
        for start in range(0, len(x), recipe.batch_size):
            batch = order[start : start + recipe.batch_size]
            logits = net(x[batch])  # (B, K, classes)
            losses = F.cross_entropy(
                logits.permute(0, 2, 1), y[batch, None].expand(-1, k), reduction="none"
            ).mean(dim=0)  # (K,): each network's own mean loss
            optimizer.zero_grad(set_to_none=True)
            losses.sum().backward()  # type: ignore[no-untyped-call]
            optimizer.step()
            schedule.step()
            loss_sum += losses.detach() * len(batch)
        train_loss[:, epoch] = (loss_sum / len(x)).numpy()
        val_acc[:, epoch] = _accuracy(net, val_x, val_y)
    test_acc = _accuracy(net, torch.from_numpy(splits.test.x), torch.from_numpy(splits.test.y))
    return {"val_acc": val_acc, "train_loss": train_loss, "test_acc": test_acc.astype(np.float32)}


def _groups(recipe: TableRecipe) -> list[list[tuple[str, ...]]]:
    cells = recipe.cells()
    return [cells[i : i + recipe.group_size] for i in range(0, len(cells), recipe.group_size)]


def _part_path(parts: Path, g: int) -> Path:
    return parts / f"group-{g:05d}.npz"


def _worker(recipe_data: dict[str, Any], parts: str, groups: list[int]) -> None:
    torch.set_num_threads(1)
    recipe = TableRecipe.from_dict(recipe_data)
    splits = load_splits(recipe)
    all_groups = _groups(recipe)
    for g in groups:
        path = _part_path(Path(parts), g)
        if path.exists():
            continue
        started = time.perf_counter()
        result = train_group(all_groups[g], splits, recipe, recipe.seed + g)
        result["seconds"] = np.array(time.perf_counter() - started)
        tmp = path.with_suffix(".tmp.npz")
        np.savez(tmp, **result)  # type: ignore[arg-type]
        os.replace(tmp, path)
        print(f"group {g + 1}/{len(all_groups)}: {result['seconds']:.0f} s", flush=True)


def train_alone_seconds(cell: tuple[str, ...], splits: Splits, recipe: TableRecipe) -> float:
    """Seconds for one epoch of one network trained alone with the recipe (one thread)."""
    genotype = NB201Genotype(cell, recipe.init_channels, recipe.cells_per_stage)
    model = build_nb201(genotype, splits.input_shape, splits.num_classes)
    optimizer = torch.optim.SGD(
        model.parameters(), lr=recipe.learning_rate, momentum=recipe.momentum, nesterov=True
    )
    x, y = torch.from_numpy(splits.train.x), torch.from_numpy(splits.train.y)
    started = time.perf_counter()
    for start in range(0, len(x), recipe.batch_size):
        loss = F.cross_entropy(
            model(x[start : start + recipe.batch_size]), y[start : start + recipe.batch_size]
        )
        optimizer.zero_grad(set_to_none=True)
        loss.backward()  # type: ignore[no-untyped-call]
        optimizer.step()
    return time.perf_counter() - started


def _complexity(
    cells: list[tuple[str, ...]], splits: Splits, recipe: TableRecipe
) -> tuple[np.ndarray, np.ndarray]:
    params, flops = [], []
    for cell in cells:
        genotype = NB201Genotype(cell, recipe.init_channels, recipe.cells_per_stage)
        model = build_nb201(genotype, splits.input_shape, splits.num_classes)
        params.append(count_params(model))
        flops.append(count_flops(model, splits.input_shape))
    return np.array(params, np.int64), np.array(flops, np.int64)


def assemble(
    recipe: TableRecipe,
    parts: Path,
    out: Path,
    wall_seconds: float,
    calibration_cells: int = _CALIBRATION_CELLS,
) -> None:
    """Join the groups into the table at ``out`` (compressed .npz with a JSON header)."""
    torch.set_num_threads(1)
    splits = load_splits(recipe)
    groups = _groups(recipe)
    results = [dict(np.load(_part_path(parts, g))) for g in range(len(groups))]
    cells = [cell for group in groups for cell in group]
    params, flops = _complexity(cells, splits, recipe)
    # Cost model: time a spread of cells alone (after one warm-up), fit seconds ~ a + b * MFLOPs.
    picks = np.unique(np.linspace(0, len(cells) - 1, calibration_cells).round().astype(int))
    train_alone_seconds(cells[0], splits, recipe)
    timed = np.array([train_alone_seconds(cells[i], splits, recipe) for i in picks])
    if len(set(flops[picks].tolist())) > 1:
        slope, intercept = np.polyfit(flops[picks] / 1e6, timed, 1)
    else:  # every timed cell costs the same: a constant
        slope, intercept = 0.0, float(timed.mean())
    epoch_seconds = intercept + slope * flops / 1e6
    header = {
        "version": TABLE_VERSION,
        "recipe": recipe.to_dict(),
        "splits": {
            "train": len(splits.train.y),
            "val": len(splits.val.y),
            "test": len(splits.test.y),
        },
        "cost_model": {
            "intercept_s": float(intercept),
            "slope_s_per_mflop": float(slope),
            "cells_timed": len(picks),
            "timed_s": timed.round(4).tolist(),
        },
        "generation": {
            "wall_seconds": round(wall_seconds, 1),
            "group_seconds": float(sum(float(r["seconds"]) for r in results)),
            "machine": f"{platform.machine()}, {os.cpu_count()} cores",
            "python": platform.python_version(),
            "torch": torch.__version__,
        },
    }
    np.savez_compressed(
        out,
        header=np.array(json.dumps(header)),
        cells=np.array([cell_key(cell) for cell in cells]),
        val_acc=np.concatenate([r["val_acc"] for r in results]).round(4),
        train_loss=np.concatenate([r["train_loss"] for r in results]).round(4),
        test_acc=np.concatenate([r["test_acc"] for r in results]).round(4),
        params=params,
        flops=flops,
        epoch_seconds=epoch_seconds.astype(np.float32),
    )


def generate(
    recipe: TableRecipe, out: Path, workers: int = 1, calibration_cells: int = _CALIBRATION_CELLS
) -> None:
    """Train every group not yet in ``<out>.parts/`` with ``workers`` processes, then assemble."""
    parts = out.with_name(out.name + ".parts")
    parts.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    todo = [g for g in range(len(_groups(recipe))) if not _part_path(parts, g).exists()]
    context = multiprocessing.get_context("spawn")
    workers = min(workers, len(todo))  # no process for a worker with nothing to train
    processes = [
        context.Process(target=_worker, args=(recipe.to_dict(), str(parts), todo[w::workers]))
        for w in range(workers)
    ]
    for process in processes:
        process.start()
    for process in processes:
        process.join()
    if any(process.exitcode != 0 for process in processes):
        raise SystemExit("a worker failed; rerun the same command to continue where it stopped")
    assemble(recipe, parts, out, time.perf_counter() - started, calibration_cells)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, required=True, help="the table file to write (.npz)")
    parser.add_argument("--workers", type=int, default=1, help="processes (one thread each)")
    args = parser.parse_args(argv)
    recipe = TableRecipe()
    if args.workers < 1:
        parser.error("--workers must be >= 1")
    generate(recipe, args.out, args.workers)


if __name__ == "__main__":
    main(sys.argv[1:])
