"""An objective function as an estimator, given directly or by reference.

A reference is ``"package.module:function"`` or ``"path/to/file.py:function"`` (relative to
``base_dir``, e.g. the folder of the spec that names it). It is resolved lazily, so the
estimator pickles as the reference and each worker process imports the function itself.
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from netsynth.estimation.estimator import EstimateResult
from netsynth.trial import Trial

Objective = Callable[[Trial], EstimateResult]


class ObjectiveRefError(ValueError):
    """A ``module:function`` or ``file.py:function`` reference that cannot be resolved."""


def split_ref(ref: str) -> tuple[str, str]:
    target, sep, attr = ref.rpartition(":")
    if not sep or not target or not attr.isidentifier():
        raise ObjectiveRefError(
            f"objective reference {ref!r} must look like 'package.module:function' or "
            "'path/to/file.py:function'"
        )
    return target, attr


def _is_path(target: str) -> bool:
    return target.endswith(".py") or "/" in target or "\\" in target


def absolute_ref(ref: str, base_dir: str | Path | None) -> str:
    """Make a file reference absolute (module references are left as they are)."""
    target, attr = split_ref(ref)
    if not _is_path(target):
        return ref
    path = Path(target)
    if not path.is_absolute() and base_dir is not None:
        path = Path(base_dir) / path
    return f"{path.resolve()}:{attr}"


def check_ref(ref: str) -> None:
    """Check a reference without running any user code: the file or module exists and a file
    defines the function at top level."""
    target, attr = split_ref(ref)
    if _is_path(target):
        path = Path(target)
        if not path.is_file():
            raise ObjectiveRefError(f"objective file {target} does not exist")
        try:
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        except (SyntaxError, UnicodeDecodeError, ValueError) as exc:
            raise ObjectiveRefError(f"{target} is not valid Python: {exc}") from None
        defined = {
            node.name
            for node in tree.body
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
        } | {
            t.id
            for node in tree.body
            if isinstance(node, ast.Assign)
            for t in node.targets
            if isinstance(t, ast.Name)
        }
        if attr not in defined:
            raise ObjectiveRefError(f"{target} defines no top-level {attr!r}")
    else:
        # find_spec imports parent packages of a dotted name; a missing one is the same error.
        try:
            found = importlib.util.find_spec(target)
        except (ImportError, ValueError):
            found = None
        if found is None:
            raise ObjectiveRefError(f"module {target!r} cannot be imported (is it installed?)")


def load_ref(ref: str) -> Objective:
    target, attr = split_ref(ref)
    if _is_path(target):
        path = Path(target).resolve()
        if not path.is_file():
            raise ObjectiveRefError(f"objective file {path} does not exist")
        module_name = f"netsynth_objective_{path.stem}_{abs(hash(str(path)))}"
        module = sys.modules.get(module_name)
        if module is None:
            spec = importlib.util.spec_from_file_location(module_name, path)
            assert spec is not None and spec.loader is not None
            module = importlib.util.module_from_spec(spec)
            sys.path.insert(0, str(path.parent))  # so the file can import its neighbours
            sys.modules[module_name] = module
            spec.loader.exec_module(module)
    else:
        module = importlib.import_module(target)
    function = getattr(module, attr, None)
    if not callable(function):
        raise ObjectiveRefError(f"{target} has no function {attr!r}")
    return function  # type: ignore[no-any-return]


def ref_of(function: Callable[..., Any]) -> str | None:
    """The importable reference of a module-level function, or None (``__main__``, lambdas,
    closures) when another process could not import it by name."""
    module = getattr(function, "__module__", None)
    qualname = getattr(function, "__qualname__", "")
    if not module or module == "__main__" or "<" in qualname or "." in qualname:
        return None
    return f"{module}:{qualname}"


class FunctionEstimator:
    """``FunctionEstimator(objective)`` or ``FunctionEstimator.from_ref("pkg.mod:objective")``."""

    def __init__(self, function: Objective | None = None, ref: str | None = None) -> None:
        if function is None and ref is None:
            raise ValueError("give an objective function or a reference to one")
        self._function = function
        self.ref = ref if ref is not None else (ref_of(function) if function else None)

    @classmethod
    def from_ref(cls, ref: str, base_dir: str | Path | None = None) -> FunctionEstimator:
        return cls(ref=absolute_ref(ref, base_dir))

    @property
    def function(self) -> Objective:
        if self._function is None:
            assert self.ref is not None
            self._function = load_ref(self.ref)
        return self._function

    def estimate(self, trial: Trial) -> EstimateResult:
        return self.function(trial)

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        if self.ref is not None and self._function is not None:
            state["_function"] = None  # re-import by reference on the other side
        return state

    def to_dict(self) -> dict[str, Any] | None:
        return {"type": "function", "ref": self.ref} if self.ref else None
