"""Spec errors a user can act on: every problem as ``path: what is wrong``."""

from __future__ import annotations

from pydantic import ValidationError

from netsynth.spec.estimator_spec import ESTIMATOR_TYPES
from netsynth.spec.field_error import FieldError

ARCHITECTURE_TYPES = ("auto", "chain", "dag", "cell", "nb201", "zoo", "union")
# The discriminated unions of the spec: their tag, which pydantic adds to an error's path,
# is left out of the path a user reads.
_TAGGED = {"architecture": ARCHITECTURE_TYPES, "estimator": ESTIMATOR_TYPES}


class SpecError(ValueError):
    """A spec that cannot be used. ``problems`` lists ``(field path, message)``."""

    def __init__(self, source: str, problems: list[tuple[str, str]]) -> None:
        self.source = source
        self.problems = problems
        super().__init__(self.render())

    def render(self) -> str:
        lines = [f"{self.source}: invalid spec"]
        for path, message in self.problems:
            lines.append(f"  {path or '(top level)'}: {message}")
        return "\n".join(lines)


def _path(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part in ("float", "int", "categorical") and out.endswith("]"):
            continue  # the discriminated-union tag pydantic adds to the path
        elif out in _TAGGED and part in _TAGGED[out]:
            continue
        else:
            out += f".{part}" if out else str(part)
    return out


def _message(error: dict[str, object]) -> str:
    if error.get("type") == "union_tag_not_found":
        loc = error.get("loc")
        if isinstance(loc, tuple) and loc and loc[0] in _TAGGED:
            return "missing 'type'; one of: " + ", ".join(repr(t) for t in _TAGGED[str(loc[0])])
        return "missing 'type'; one of: 'float', 'int', 'categorical'"
    message = str(error.get("msg", "invalid"))
    for prefix in ("Value error, ", "Assertion failed, "):
        if message.startswith(prefix):
            message = message[len(prefix) :]
    if error.get("type") == "missing":
        return "required field is missing"
    if "input" in error and error.get("type") not in ("missing", "value_error"):
        message += f" (got {error['input']!r})"
    return message


def spec_error_from_validation(source: str, exc: ValidationError, prefix: str = "") -> SpecError:
    """``prefix``: the path of the part of the spec that was validated on its own."""
    problems = []
    for error in exc.errors():
        cause = (error.get("ctx") or {}).get("error")
        if isinstance(cause, FieldError):  # a cross-field check that knows its field
            path = cause.path
            message = str(cause)
        else:
            path, message = _path(tuple(error["loc"])), _message(dict(error))
        problems.append((".".join(p for p in (prefix, path) if p), message))
    return SpecError(source, problems)
