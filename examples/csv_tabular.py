"""Architecture search on a CSV table: writes a small CSV with string labels, then runs
examples/csv-tabular.yaml on it.   python examples/csv_tabular.py
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from netsynth.cli import main

HERE = Path(__file__).parent


def make_table(path: Path, rows: int = 450, seed: int = 0) -> None:
    """Three flower-like species from 6 numeric measurements; the label column is 'species'."""
    rng = np.random.default_rng(seed)
    species = ["iris-a", "iris-b", "iris-c"]
    centers = rng.normal(0, 2.0, (3, 6))
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow([f"m{i}" for i in range(6)] + ["species"])
        for _ in range(rows):
            label = int(rng.integers(3))
            writer.writerow(
                [f"{v:.4f}" for v in rng.normal(centers[label], 1.0)] + [species[label]]
            )


if __name__ == "__main__":
    make_table(HERE / "generated" / "flowers.csv")
    raise SystemExit(
        main(["run", str(HERE / "csv-tabular.yaml"), "--storage", "sqlite:///examples.db"])
    )
