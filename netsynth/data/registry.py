"""Where datasets come from: a built-in name or a path to the user's own data.

>>> load_dataset("digits").x.shape
(1797, 1, 8, 8)
>>> sorted(BUILTIN)
['digits', 'mnist1d']
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from netsynth.data.dataset import DataError, Dataset
from netsynth.data.files import FORMATS, load_file
from netsynth.registry import Registry

# name -> factory(*, seed, options) -> Dataset, imported on first use.
BUILTIN: Registry[Callable[..., Dataset]] = Registry(
    "built-in dataset",
    {
        "digits": "netsynth.data.builtin:load_digits",
        "mnist1d": "netsynth.data.builtin:load_mnist1d",
    },
)


def load_dataset(
    source: str,
    *,
    seed: int = 0,
    options: Mapping[str, Any] | None = None,
    base_dir: str | Path | None = None,
) -> Dataset:
    """A built-in name, or a path (relative paths resolved against base_dir) to an .npz file, a
    .csv file or an image folder. Unknown names / missing paths -> DataError listing the
    built-in names and accepted formats.

    ``seed`` goes to built-in factories; ``options`` to the factory or file reader (each rejects
    options it does not know, naming the ones it does)."""
    if source in BUILTIN:
        return BUILTIN[source](seed=seed, options=options)
    path = Path(source).expanduser()
    if not path.is_absolute() and base_dir is not None:
        path = Path(base_dir).expanduser() / path
    if not path.exists():
        raise DataError(
            f"dataset {source!r} is neither a built-in ({', '.join(sorted(BUILTIN))}) nor an "
            f"existing path (looked for {path.absolute()}); accepted: " + "; ".join(FORMATS)
        )
    return load_file(path, source, options)
