"""How much of the tabular benchmark's ranking at the top is noise.

    python benchmarks/table_noise.py [--top 64] [--seed 1001]

Retrains the table's ``top`` cells by final validation accuracy once more with the table's
recipe but another seed (one group, as the generator trains them), and evaluates them on the
table's validation and test sets and on a large fresh MNIST-1D sample (9,600 sequences from the
generator with another seed). Prints, over those cells, the spread of test accuracy between
the two training seeds, the spread between the 1,000-sequence test set and the large sample
for the same weights, and the rank correlations: what separates two top cells is mostly which
seed trained them.
"""

from __future__ import annotations

import argparse
import os
import platform
import time

import numpy as np
import torch
from scipy.stats import spearmanr

from netsynth.data.builtin import load_mnist1d
from netsynth.nn.nb201_batched import BatchedNB201
from netsynth.tabular import generate
from netsynth.tabular.recipe import TableRecipe
from netsynth.tabular.table import TabularTable


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--top", type=int, default=64)
    parser.add_argument("--seed", type=int, default=1001)
    args = parser.parse_args()
    torch.set_num_threads(1)
    table = TabularTable.load()
    recipe = TableRecipe.from_dict(table.header["recipe"])
    splits = generate.load_splits(recipe)
    top = np.argsort(-table.val_acc[:, -1])[: args.top]
    cells = [tuple(table.cells[i].split(",")) for i in top]
    large = load_mnist1d(options={"seed": 7, "num_samples": 12000})
    trained: list[BatchedNB201] = []
    accuracy = generate._accuracy

    def keep(net: BatchedNB201, x: torch.Tensor, y: torch.Tensor) -> np.ndarray:
        if not trained or trained[-1] is not net:
            trained.append(net)
        return accuracy(net, x, y)

    started = time.perf_counter()
    generate._accuracy = keep  # type: ignore[assignment]
    try:
        again = generate.train_group(cells, splits, recipe, args.seed)
    finally:
        generate._accuracy = accuracy  # type: ignore[assignment]
    large_acc = accuracy(trained[-1], torch.from_numpy(large.x), torch.from_numpy(large.y))
    seconds = time.perf_counter() - started
    test0, test1 = table.test_acc[top], again["test_acc"]
    val1 = again["val_acc"][:, -1]
    print(
        f"top {args.top} cells by validation accuracy, retrained with seed {args.seed} in "
        f"{seconds:.0f} s; {platform.machine()}, {os.cpu_count()} cores\n"
    )
    print(
        f"mean test accuracy: table {100 * test0.mean():.2f}%, retrained {100 * test1.mean():.2f}%"
    )
    print(
        f"std over cells of (table test - retrained test), another training seed: "
        f"{100 * np.std(test0 - test1):.2f} points"
    )
    print(
        f"std over cells of (test on 1,000 - on {len(large.y):,}), same weights: "
        f"{100 * np.std(test1 - large_acc):.2f} points"
    )
    print(f"std of the large-sample accuracy over the cells: {100 * np.std(large_acc):.2f} points")
    pairs = {
        "table test vs retrained test (two seeds)": (test0, test1),
        "retrained test vs large sample (same weights)": (test1, large_acc),
        "retrained validation vs large sample": (val1, large_acc),
        "table validation vs retrained large sample": (table.val_acc[top, -1], large_acc),
    }
    print("\nSpearman rank correlation over these cells:")
    for name, (a, b) in pairs.items():
        print(f"  {name:<48} {spearmanr(a, b)[0]:5.2f}")


if __name__ == "__main__":
    main()
