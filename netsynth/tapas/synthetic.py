"""Synthetic sequence datasets of planted difficulty, for the seed LDE and tests.

Each class is a smooth random template of length 40; a sample is its class's template, shifted
by up to ``shift`` steps, scaled by a random factor in [1 - ``scale``, 1 + ``scale``], plus
Gaussian noise of standard deviation ``noise``. More noise and shift: a harder dataset.

>>> ds = make_synthetic(noise=0.1)
>>> ds.x.shape, ds.num_classes
((1200, 1, 40), 6)
"""

from __future__ import annotations

import numpy as np

from netsynth.data.dataset import Dataset


def make_synthetic(
    *,
    noise: float = 0.5,
    shift: int = 4,
    scale: float = 0.2,
    num_classes: int = 6,
    samples: int = 1200,
    length: int = 40,
    seed: int = 0,
) -> Dataset:
    rng = np.random.default_rng(seed)
    # smooth templates: a random walk low-pass filtered, then standardized
    walk = rng.standard_normal((num_classes, length + 8)).cumsum(axis=1)
    kernel = np.ones(5) / 5
    templates = np.stack([np.convolve(w, kernel, mode="same")[4 : 4 + length] for w in walk])
    templates = (templates - templates.mean(1, keepdims=True)) / templates.std(1, keepdims=True)
    y = np.arange(samples) % num_classes
    rng.shuffle(y)
    shifts = rng.integers(-shift, shift + 1, samples)
    factors = 1.0 + rng.uniform(-scale, scale, samples)
    x = np.stack([np.roll(templates[c], s) for c, s in zip(y, shifts, strict=True)])
    x = x * factors[:, None] + noise * rng.standard_normal((samples, length))
    name = f"synthetic(noise={noise},shift={shift},scale={scale})"
    return Dataset(name, "sequence", x[:, None, :].astype(np.float32), y, num_classes)
