"""A folder of images with one subfolder per class, read with Pillow.

Subfolder names, sorted, become the class names and ids 0..K-1. Every image must have the same
size and mode; pixels become float32 in [0, 1] laid out (N, C, H, W) with C = 1 for "L", 3 for
"RGB" and 4 for "RGBA" images ("1" is read as "L", "P" as "RGB" or, with transparency, "RGBA").
Hidden files and folders (names starting with ".") are skipped.

>>> import pathlib, tempfile
>>> from PIL import Image
>>> root = pathlib.Path(tempfile.mkdtemp())
>>> for cls, shade in (("cat", 0), ("dog", 255)):
...     (root / cls).mkdir()
...     Image.new("RGB", (5, 4), (shade,) * 3).save(root / cls / "a.png")
>>> ds = load_image_folder(root, "pets")
>>> ds.x.shape, ds.class_names
((2, 3, 4, 5), ('cat', 'dog'))
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from netsynth.data.dataset import DataError, Dataset
from netsynth.data.validation import check_options

CHANNELS = {"L": 1, "RGB": 3, "RGBA": 4}
_CONVERTED = {"1": "L", "P": "RGB"}  # modes read as another; a palette with transparency: RGBA


def load_image_folder(path: Path, name: str, options: Mapping[str, Any] | None = None) -> Dataset:
    """The dataset in an image folder; ``name`` (the path as given) labels errors."""
    check_options(options, (), name)
    classes = sorted(p for p in path.iterdir() if p.is_dir() and not p.name.startswith("."))
    if len(classes) < 2:
        raise DataError(
            f"{name}: found {len(classes)} class subfolders; expected one subfolder per class "
            f"(at least 2), each holding that class's images, e.g. {name}/cat/001.png"
        )
    files: list[Path] = []
    labels: list[int] = []
    for label, folder in enumerate(classes):
        images = _image_files(folder)
        if not images:
            raise DataError(
                f"{name}: class folder {folder.name!r} has no images; every class needs some"
            )
        files += images
        labels += [label] * len(images)
    pixels = _read_all(files, path, name)  # (N, H, W, C) uint8
    x = pixels.transpose(0, 3, 1, 2).astype(np.float32) / 255.0
    class_names = tuple(folder.name for folder in classes)
    return Dataset(name, "image", x, np.array(labels), len(classes), class_names=class_names)


def _image_files(folder: Path) -> list[Path]:
    """Every non-hidden file under ``folder`` (subfolders included), sorted."""
    return sorted(
        f
        for f in folder.rglob("*")
        if f.is_file() and not any(part.startswith(".") for part in f.relative_to(folder).parts)
    )


def _read_all(files: list[Path], root: Path, name: str) -> NDArray[np.uint8]:
    """All images as one (N, H, W, C) array; the first image fixes the size and mode."""
    first = _read(files[0], root, name)
    out = np.empty((len(files), *first[1].shape), dtype=np.uint8)
    out[0] = first[1]
    first_mode, first_size = first[0], first[1].shape[:2]
    for i, file in enumerate(files[1:], start=1):
        mode, pixels = _read(file, root, name)
        if mode != first_mode or pixels.shape[:2] != first_size:
            raise DataError(
                f"{name}: all images must have the same size and mode; {_rel(file, root, name)} "
                f"is {_describe(mode, pixels.shape[:2])} but {_rel(files[0], root, name)} is "
                f"{_describe(first_mode, first_size)}. Resize or convert them first"
            )
        out[i] = pixels
    return out


def _read(file: Path, root: Path, name: str) -> tuple[str, NDArray[np.uint8]]:
    """The image's mode (after reading "1" and "P" as L / RGB / RGBA) and its (H, W, C) pixels."""
    from PIL import Image

    try:
        with Image.open(file) as image:
            image.load()
            mode = _CONVERTED.get(image.mode, image.mode)
            if image.mode == "P" and "transparency" in image.info:
                mode = "RGBA"
            if mode not in CHANNELS:
                raise DataError(
                    f"{name}: {_rel(file, root, name)} has image mode {image.mode!r}; "
                    f"supported: {', '.join(CHANNELS)} (8-bit grey, colour, colour with alpha)"
                )
            pixels = np.asarray(image.convert(mode) if mode != image.mode else image, np.uint8)
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as error:
        if isinstance(error, DataError):
            raise
        raise DataError(
            f"{name}: {_rel(file, root, name)} is not an image Pillow can read ({error}); "
            "class folders must hold only images"
        ) from error
    return mode, pixels.reshape(*pixels.shape[:2], CHANNELS[mode])


def _rel(file: Path, root: Path, name: str) -> str:
    return f"{name.rstrip('/')}/{file.relative_to(root).as_posix()}"


def _describe(mode: str, size: tuple[int, ...]) -> str:
    return f"{size[1]}x{size[0]} (width x height) {mode}"
