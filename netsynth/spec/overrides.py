"""``netsynth run --set PATH=VALUE``: change one field of a spec from the command line.

``PATH`` is a dotted path into the spec (``architecture.training.epochs``, ``final.epochs``,
``budget.max_trials``, ``estimator.type``; a number indexes a list: ``parameters.0.high``)
and ``VALUE`` is read
as YAML, so ``2`` is a number, ``[16, 32]`` a list, ``{low: 0.001, high: 0.1}`` a mapping and
``null`` clears a field. Missing mappings on the way are created. The spec with every override
applied is then validated as a whole, exactly as a spec file is, so a bad value is reported
with the field's path and what is allowed.

The spec and the paths may use the old spellings (``space.widths``, ``oneshot.epochs``,
``estimator=tapas``): both are brought to the current spelling first
(``netsynth.spec.spelling``), with a deprecation warning, so an old spec takes new paths and
the other way round.

>>> apply_overrides({"final": {"top_k": 3}}, ["final.epochs=2", "architecture.widths=[16, 32]"])
{'final': {'top_k': 3, 'epochs': 2}, 'architecture': {'widths': [16, 32]}}
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Any

import yaml

from netsynth.deprecation import warn_deprecated
from netsynth.spec.errors import SpecError
from netsynth.spec.field_error import FieldError
from netsynth.spec.spelling import current_override, respell

OPTION = "--set"


def parse_override(text: str, source: str = OPTION) -> tuple[list[str], Any]:
    """``"a.b=VALUE"`` -> (``["a", "b"]``, VALUE read as YAML)."""
    path, sep, raw = text.partition("=")
    keys = path.strip().split(".")
    if not sep or not path.strip() or any(not key.strip() for key in keys):
        raise SpecError(
            source,
            [(OPTION, f"expected PATH=VALUE, e.g. final.epochs=2; got {text!r}")],
        )
    try:
        value = yaml.safe_load(raw) if raw.strip() else None
    except yaml.YAMLError as exc:
        problem = getattr(exc, "problem", None) or str(exc)
        raise SpecError(
            source, [(path.strip(), f"{OPTION}: {raw!r} is not a YAML value ({problem})")]
        ) from None
    return [key.strip() for key in keys], value


def apply_overrides(
    data: dict[str, Any], overrides: Sequence[str], source: str = OPTION
) -> dict[str, Any]:
    """A copy of the spec ``data``, in the current spelling, with each ``PATH=VALUE`` of
    ``overrides`` set, in order (a later one wins). ``data: NAME`` (the short form) is
    widened to ``data: {dataset: NAME}`` when a path goes into it."""
    try:
        result: dict[str, Any] = respell(copy.deepcopy(data))
        settings: list[tuple[list[str], Any]] = []
        for text in overrides:
            keys, value = parse_override(text, source)
            sets, notes = current_override(keys, value)
            for old, new in notes:
                warn_deprecated(old, new)
            settings += sets
    except FieldError as exc:
        raise SpecError(source, [(exc.path, str(exc))]) from None
    for keys, value in settings:
        node: Any = result
        for depth, key in enumerate(keys[:-1]):
            node = _child(node, key, ".".join(keys[: depth + 1]), source)
        _set(node, keys[-1], value, ".".join(keys), source)
    return result


def _child(node: Any, key: str, where: str, source: str) -> Any:
    """The container under ``key`` of ``node``, created (as a mapping) when missing."""
    if isinstance(node, list):
        index = _index(node, key, where, source)
        child = node[index]
    else:
        child = node.get(key)
        if child is None:
            child = node[key] = {}
        elif where == "data" and isinstance(child, str):
            child = node[key] = {"dataset": child}
    if not isinstance(child, (dict, list)):
        raise SpecError(
            source,
            [(where, f"{OPTION}: {where} is {child!r}, not a mapping; set {where} itself")],
        )
    return child


def _set(node: Any, key: str, value: Any, where: str, source: str) -> None:
    if isinstance(node, list):
        node[_index(node, key, where, source)] = value
    else:
        node[key] = value


def _index(node: list[Any], key: str, where: str, source: str) -> int:
    if not key.lstrip("-").isdigit() or not -len(node) <= int(key) < len(node):
        raise SpecError(
            source,
            [(where, f"{OPTION}: {key!r} is not an index of a list of {len(node)} item(s)")],
        )
    return int(key)
