"""Architecture search on an image folder: draws small PNGs (one subfolder per class), then
runs examples/image-folder.yaml on them.   python examples/image_folder.py
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

from netsynth.cli import main

HERE = Path(__file__).parent
SIZE = 16


def _shape(kind: str, rng: np.random.Generator) -> np.ndarray:
    image = rng.uniform(0, 60, (SIZE, SIZE))  # a noisy background
    c, r = rng.integers(5, SIZE - 5, 2), int(rng.integers(3, 5))
    yy, xx = np.mgrid[:SIZE, :SIZE]
    if kind == "square":
        mask = (abs(yy - c[0]) <= r) & (abs(xx - c[1]) <= r)
    elif kind == "disc":
        mask = (yy - c[0]) ** 2 + (xx - c[1]) ** 2 <= r * r
    else:  # cross
        mask = ((abs(yy - c[0]) <= 1) & (abs(xx - c[1]) <= r)) | (
            (abs(xx - c[1]) <= 1) & (abs(yy - c[0]) <= r)
        )
    image[mask] = 255
    return image.astype(np.uint8)


def make_images(folder: Path, per_class: int = 80, seed: int = 0) -> None:
    rng = np.random.default_rng(seed)
    for kind in ("square", "disc", "cross"):
        (folder / kind).mkdir(parents=True, exist_ok=True)
        for i in range(per_class):
            Image.fromarray(_shape(kind, rng), mode="L").save(folder / kind / f"{i:03d}.png")


if __name__ == "__main__":
    make_images(HERE / "generated" / "shapes")
    raise SystemExit(
        main(["run", str(HERE / "image-folder.yaml"), "--storage", "sqlite:///examples.db"])
    )
