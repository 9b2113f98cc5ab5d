"""The spec's old spellings, rewritten into the current ones before validation.

The current spec says ``architecture:`` for the architecture space, ``parameters:`` for the
flat hyperparameter space, ``strategy:`` for the search strategy (``algorithm:``, Katib's
name, is a documented alias that stays) and one ``estimator: {type: ..., <options>}`` block
for how candidates are scored. Until netsynth 0.3 the spellings of 0.1 keep working:

| old                                       | current                                   |
| ----------------------------------------- | ----------------------------------------- |
| ``space: {type: chain, ...}``             | ``architecture: {type: chain, ...}``      |
| ``estimator: train`` / ``tapas`` / ...    | ``estimator: {type: training}`` / ...     |
| ``tapas: {lde: URL, tau: 0.1}``           | ``estimator: {type: ..., lde: URL, ...}`` |
| ``zero_cost: {proxy: naswot}``            | ``estimator: {type: zero_cost, ...}``     |
| ``oneshot: {method: darts, ...}``         | ``estimator: {type: oneshot, ...}``       |
| ``tabular: {table: FILE}``                | ``estimator: {type: tabular, ...}``       |
| ``inheritance: {epochs: 2}``              | ``estimator: {type: inheritance, ...}``   |

Each old spelling is rewritten with a ``NetsynthDeprecationWarning`` that names the new one;
a spec that mixes an old and a new spelling of one thing is an error (which one would win is
not obvious). ``current_override`` does the same for a ``--set PATH=VALUE`` path.

>>> import warnings
>>> with warnings.catch_warnings():
...     warnings.simplefilter("ignore")
...     respell({"space": {"type": "chain"}, "estimator": "tapas", "algorithm": {"name": "tpe"}})
{'architecture': {'type': 'chain'}, 'strategy': {'name': 'tpe'}, 'estimator': {'type': 'tapas'}}
"""

from __future__ import annotations

from typing import Any

from netsynth.deprecation import warn_deprecated
from netsynth.spec.field_error import FieldError

# An old estimator name -> its type now.
_OLD_TYPES = {"train": "training"}
# Old blocks that choose the estimator's type themselves (their settings are its options).
_TYPE_BLOCKS = ("oneshot", "tabular", "inheritance")
# The settings of the old ``tapas:`` block that only a TAPAS estimator reads (elsewhere they
# had no effect), and the types that read its ``lde`` (where trained trials are recorded for
# TAPAS: every estimator that trains candidates).
_TAPAS_ONLY = ("tau", "min_records", "fit_epochs", "proxies")
_RECORDS_TO_LDE = ("tapas", "training", "inheritance", "zero_cost")
Note = tuple[str, str]  # (old spelling, new spelling)


def respell(data: Any) -> Any:
    """``data`` (a spec as read from YAML) in the current spelling, warning once per old
    spelling; anything that is not a mapping is returned as it is (validation reports it)."""
    current, notes = current_spelling(data)
    for old, new in notes:
        warn_deprecated(old, new, stacklevel=3)
    return current


def current_spelling(data: Any) -> tuple[Any, list[Note]]:
    """``data`` in the current spelling, and the old spellings found (without warning).
    Raises ``FieldError`` where an old and a new spelling of one thing are both given."""
    if not isinstance(data, dict):
        return data, []
    data = dict(data)
    notes: list[Note] = []
    if "space" in data:
        if "architecture" in data:
            raise FieldError("space", "give 'architecture' only ('space' is its old spelling)")
        data["architecture"] = data.pop("space")
        notes.append(("space:", "architecture:"))
    data = _strategy_alias(data, "")
    if isinstance(data.get("tuning"), dict):
        data["tuning"] = _strategy_alias(dict(data["tuning"]), "tuning.")
    estimator, estimator_notes = _estimator_block(data)
    notes += estimator_notes
    if estimator is not None:
        data["estimator"] = estimator
    return data, notes


def _strategy_alias(data: dict[str, Any], where: str) -> dict[str, Any]:
    """``algorithm:`` (Katib's name for the strategy) read as ``strategy:``, without warning:
    it is a documented alias, not a deprecated spelling."""
    if "algorithm" in data:
        if "strategy" in data:
            raise FieldError(
                f"{where}algorithm",
                f"give '{where}strategy' or its alias '{where}algorithm', not both",
            )
        data["strategy"] = data.pop("algorithm")
    return data


def _estimator_block(data: dict[str, Any]) -> tuple[Any, list[Note]]:
    """The ``estimator`` value built from ``estimator:`` and the old blocks (removed from
    ``data``), and the old spellings found."""
    notes: list[Note] = []
    estimator = data.pop("estimator", None)
    if isinstance(estimator, str):
        kind = _OLD_TYPES.get(estimator, estimator)
        notes.append((f"estimator: {estimator}", f"estimator: {{type: {kind}}}"))
        estimator = {"type": kind}
    elif isinstance(estimator, dict) and _old_type(estimator.get("type")):
        old = estimator["type"]
        notes.append((f"estimator: {{type: {old}}}", f"estimator: {{type: {_OLD_TYPES[old]}}}"))
        estimator = {**estimator, "type": _OLD_TYPES[old]}
    blocks = {
        name: data.pop(name) for name in (*_TYPE_BLOCKS, "zero_cost", "tapas") if name in data
    }
    blocks = {name: value for name, value in blocks.items() if value is not None}  # null: unset
    if not blocks:
        return estimator, notes
    if estimator is not None and not isinstance(estimator, dict):
        return estimator, notes  # not a mapping: validation says what estimator takes
    block: dict[str, Any] = dict(estimator or {})
    for name in _TYPE_BLOCKS:
        if name in blocks:
            given = block.get("type")
            if given not in (None, "training", name):
                raise FieldError(
                    name,
                    f"'{name}' and estimator type {given} cannot be combined: give one "
                    f"estimator: {{type: ...}}",
                )
            block["type"] = name
    kind = block.setdefault("type", "training")
    if not isinstance(kind, str):
        return block, notes  # validation says which types there are
    for name, settings in blocks.items():
        if not isinstance(settings, dict):
            raise FieldError(name, f"expected a mapping of settings, got {settings!r}")
        if name == "zero_cost" and kind != "zero_cost":
            raise FieldError(
                "zero_cost", "zero_cost settings need estimator: {type: zero_cost, ...}"
            )
        if name == "tapas" and kind != "tapas":
            ignored = _TAPAS_ONLY + (() if kind in _RECORDS_TO_LDE else ("lde",))
            settings = {k: v for k, v in settings.items() if k not in ignored}
        twice = sorted(set(settings) & (set(block) - {"type"}), key=str)
        if twice:
            raise FieldError(f"estimator.{twice[0]}", f"given both here and under '{name}'")
        block.update(settings)
        notes.append((f"{name}: {{...}}", f"estimator: {{type: {kind}, <its settings>}}"))
    return block, notes


def _old_type(kind: Any) -> bool:
    return isinstance(kind, str) and kind in _OLD_TYPES


def current_override(keys: list[str], value: Any) -> tuple[list[tuple[list[str], Any]], list[Note]]:
    """One ``--set`` override (its path ``keys`` and ``value``) as the settings it makes in
    the current spelling, and the old spellings it used. ``--set oneshot.epochs=2`` sets
    the estimator's type to oneshot and its epochs to 2, as the old block did."""
    head, rest = keys[0], keys[1:]
    if head == "space":
        new = ".".join(["architecture", *rest])
        return [(["architecture", *rest], value)], [(f"--set {'.'.join(keys)}", f"--set {new}")]
    if head == "algorithm":
        return [(["strategy", *rest], value)], []
    if keys[:2] == ["tuning", "algorithm"]:
        return [(["tuning", "strategy", *keys[2:]], value)], []
    if keys == ["estimator"] and isinstance(value, str):
        kind = _OLD_TYPES.get(value, value)
        note = (f"--set estimator={value}", f"--set estimator.type={kind}")
        return [(["estimator", "type"], kind)], [note]
    if keys == ["estimator", "type"] and _old_type(value):
        note = (f"--set estimator.type={value}", f"--set estimator.type={_OLD_TYPES[value]}")
        return [(keys, _OLD_TYPES[value])], [note]
    if head not in (*_TYPE_BLOCKS, "zero_cost", "tapas"):
        return [(keys, value)], []
    note = (f"--set {'.'.join(keys)}", f"--set estimator.{'.'.join(rest) or '...'}")
    sets: list[tuple[list[str], Any]] = []
    if value is None and not rest:  # the old block cleared
        return ([(["estimator"], None)] if head in _TYPE_BLOCKS else []), [note]
    if head in _TYPE_BLOCKS:
        sets.append((["estimator", "type"], head))
    if rest:
        sets.append((["estimator", *rest], value))
    elif isinstance(value, dict):
        sets += [(["estimator", str(k)], v) for k, v in value.items()]
    else:
        raise FieldError(head, f"expected a mapping of settings, got {value!r}")
    return sets, [note]
