"""Read a spec file: YAML (duplicate keys rejected), then validation into ``ExperimentSpec``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from netsynth.spec.errors import SpecError, spec_error_from_validation
from netsynth.spec.schema import ExperimentSpec


class _UniqueKeyLoader(yaml.SafeLoader):
    """A YAML loader that refuses a key given twice in one mapping (plain YAML keeps the
    last silently, which hides typos)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[Any, int] = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)  # type: ignore[no-untyped-call]
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None,
                    None,
                    f"duplicate key {key!r} (first on line {seen[key] + 1})",
                    key_node.start_mark,
                )
            seen[key] = key_node.start_mark.line
        return super().construct_mapping(node, deep=deep)


def parse_spec(data: Any, source: str = "spec", base_dir: Path | None = None) -> ExperimentSpec:
    """Validate spec data; files it names by relative paths (e.g. a zoo candidate's
    ``weights``) are resolved against ``base_dir``, the spec's folder, when given."""
    if not isinstance(data, dict):
        raise SpecError(source, [("", f"a spec is a mapping of keys, got {type(data).__name__}")])
    try:
        context = {"base_dir": base_dir} if base_dir is not None else None
        return ExperimentSpec.model_validate(data, context=context)
    except ValidationError as exc:
        raise spec_error_from_validation(source, exc) from None


def read_yaml(path: str | Path) -> Any:
    path = Path(path)
    if not path.is_file():
        raise SpecError(str(path), [("", "file not found")])
    try:
        return yaml.load(path.read_text(encoding="utf-8"), Loader=_UniqueKeyLoader)
    except UnicodeDecodeError:
        raise SpecError(str(path), [("", "not a text file (expected YAML)")]) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "YAML"
        raise SpecError(str(path), [(where, str(exc.problem or exc))]) from None
    except yaml.YAMLError as exc:
        raise SpecError(str(path), [("", f"not valid YAML: {exc}")]) from None


def load_spec(path: str | Path) -> ExperimentSpec:
    """Read and validate a spec file; raises ``SpecError`` listing every problem."""
    return parse_spec(read_yaml(path), str(path), Path(path).parent)
