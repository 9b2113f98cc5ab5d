"""``tools/import_graph.py``: every import counts, wherever it stands in its file; cycles and
upward imports are found against the import-linter layers contract."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

from tests.conftest import REPO


def _tool() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "import_graph", REPO / "tools" / "import_graph.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["import_graph"] = module
    spec.loader.exec_module(module)
    return module


graph_tool = _tool()


def test_function_local_and_type_checking_imports_count(tmp_path: Path) -> None:
    package = tmp_path / "netsynth"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "high.py").write_text("X = 1\n")
    (package / "low.py").write_text(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from netsynth.high import X\n"
        "def f():\n    from . import high\n    return high\n"
    )
    modules = graph_tool.module_names(tmp_path)
    found = graph_tool.imported_modules("netsynth.low", package / "low.py", modules)
    assert found == {"netsynth.high"}


def test_only_the_nodes_of_a_cycle_form_a_component() -> None:
    graph = {"a": {"b"}, "b": {"a", "c"}, "c": {"d"}, "d": set()}
    assert graph_tool.strongly_connected(graph) == [["a", "b"]]


def test_an_import_of_a_higher_layer_or_of_the_package_root_points_up() -> None:
    height = {"netsynth.low": 0, "netsynth.high": 1}
    assert graph_tool._points_up("netsynth.low", "netsynth.high", height)
    assert not graph_tool._points_up("netsynth.high", "netsynth.low", height)
    assert graph_tool._points_up("netsynth.low", "netsynth", height)


def test_every_part_of_the_package_has_a_layer_in_the_contract() -> None:
    height = graph_tool.layer_order(REPO / "pyproject.toml")
    assert height["netsynth.runner"] > height["netsynth.estimation"] > height["netsynth.space"]
    parts = {graph_tool.component(m) for m in graph_tool.module_names(REPO)} - {"netsynth"}
    assert parts <= set(height)


def test_the_package_has_no_upward_import() -> None:
    modules = graph_tool.module_names(REPO)
    height = graph_tool.layer_order(REPO / "pyproject.toml")
    upward = [
        (name, target)
        for name, path in modules.items()
        for target in graph_tool.imported_modules(name, path, modules)
        if graph_tool._points_up(graph_tool.component(name), graph_tool.component(target), height)
    ]
    assert upward == []
