"""Architecture search on your own arrays: writes a small .npz of 1-D sequences, then runs
examples/npz-sequences.yaml on it.   python examples/npz_sequences.py
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from netsynth.cli import main

HERE = Path(__file__).parent


def make_sequences(path: Path, per_class: int = 150, length: int = 32, seed: int = 0) -> None:
    """Three classes of noisy waves: a sine, a square wave and a sawtooth at random phases."""
    rng = np.random.default_rng(seed)
    t = np.linspace(0, 4 * np.pi, length)
    x, y = [], []
    for label, wave in enumerate(
        (np.sin, lambda v: np.sign(np.sin(v)), lambda v: (v % np.pi) - 1.5)
    ):
        phases = rng.uniform(0, 2 * np.pi, per_class)
        signals = np.stack([wave(t + p) for p in phases]) + rng.normal(0, 0.4, (per_class, length))
        x.append(signals[:, None, :])  # (N, channels=1, length)
        y.append(np.full(per_class, label))
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez(path, x=np.concatenate(x).astype(np.float32), y=np.concatenate(y))


if __name__ == "__main__":
    make_sequences(HERE / "generated" / "sequences.npz")
    raise SystemExit(
        main(["run", str(HERE / "npz-sequences.yaml"), "--storage", "sqlite:///examples.db"])
    )
