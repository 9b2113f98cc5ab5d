"""Named extension points, imported on first use: ``name -> "package.module:attribute"``.

Spaces, strategies, schedulers, builders and datasets are looked up by the names a spec uses.
Naming their modules instead of importing them keeps ``import netsynth`` light: picking
``random`` never loads Optuna, reading a chain genotype never loads PyTorch.

>>> from netsynth.registry import Registry
>>> colours = Registry("colour", {"json": "json:dumps"})
>>> colours.resolve("json")([1])
'[1]'
>>> colours.resolve("yaml")
Traceback (most recent call last):
...
ValueError: unknown colour 'yaml'; available: json
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator, Mapping
from typing import Any, Generic, TypeVar

T = TypeVar("T")


def load(target: str) -> Any:
    """The attribute ``"package.module:attribute"`` names, its module imported if need be."""
    module, colon, attribute = target.partition(":")
    if not colon or not module or not attribute:
        raise ValueError(f"{target!r} is not of the form 'package.module:attribute'")
    return getattr(importlib.import_module(module), attribute)


class Registry(Mapping[str, T], Generic[T]):
    """An ordered, read-only mapping ``name -> object``, each object named by its import path
    and imported the first time it is looked up.

    ``what`` names the kind of thing in error messages; ``error`` is the exception ``resolve``
    raises for an unknown name (``ValueError`` or a subclass a caller already catches).
    Membership and iteration import nothing.
    """

    def __init__(
        self, what: str, targets: Mapping[str, str], *, error: type[ValueError] = ValueError
    ) -> None:
        self.what = what
        self.error = error
        self._targets = dict(targets)
        self._loaded: dict[str, T] = {}

    def __getitem__(self, name: str) -> T:
        if name not in self._targets:
            raise KeyError(name)
        if name not in self._loaded:
            self._loaded[name] = load(self._targets[name])
        return self._loaded[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._targets)

    def __len__(self) -> int:
        return len(self._targets)

    def __contains__(self, name: object) -> bool:
        return name in self._targets

    def __repr__(self) -> str:
        return f"Registry({self.what!r}, {self._targets!r})"

    def resolve(self, name: str) -> T:
        """The object ``name`` stands for; for an unknown name, ``error`` listing the names
        known."""
        if name not in self._targets:
            known = ", ".join(sorted(self._targets))
            raise self.error(f"unknown {self.what} {name!r}; available: {known}")
        return self[name]

    def target(self, name: str) -> str:
        """The import path ``name`` stands for (``"package.module:attribute"``)."""
        return self._targets[name]

    def register(self, name: str, target: str | T) -> None:
        """Add (or replace) ``name``, given its import path or the object itself: a space,
        strategy or scheduler defined outside the package becomes available to specs."""
        self._loaded.pop(name, None)
        if isinstance(target, str):
            self._targets[name] = target
            return
        module = getattr(target, "__module__", "?")
        self._targets[name] = f"{module}:{getattr(target, '__qualname__', name)}"
        self._loaded[name] = target

    def unregister(self, name: str) -> None:
        """Remove ``name`` (what ``register`` added)."""
        self._targets.pop(name)
        self._loaded.pop(name, None)
