"""Count netsynth's imports and report import cycles and imports that point up the layers.

Every import counts as if it stood at module level: function-local imports and imports under
``if TYPE_CHECKING:`` included, because either one is a dependency a reader has to follow and
the only thing that keeps such a cycle from failing at import time is where the line sits.

The layer order is the ``layers`` contract of import-linter in pyproject.toml (highest first),
so this script and ``lint-imports`` judge the same order. Run from the repository root::

    python tools/import_graph.py          # summary; exit status 1 when anything is reported
    python tools/import_graph.py -v       # every cycle and every upward import

It reports:

- cycles: strongly connected components of the module graph (``netsynth.a.b`` nodes) and of
  the component graph (each subpackage or top-level module of netsynth is one component);
- upward imports: a component importing a component in a higher layer (siblings in one
  layer may import each other, as long as no cycle forms).
"""

from __future__ import annotations

import argparse
import ast
import sys
from collections import defaultdict
from pathlib import Path

import tomllib

PACKAGE = "netsynth"


def module_names(root: Path) -> dict[str, Path]:
    """Every module of the package: dotted name -> file (a package is its ``__init__.py``)."""
    modules: dict[str, Path] = {}
    for path in sorted((root / PACKAGE).rglob("*.py")):
        parts = list(path.relative_to(root).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        modules[".".join(parts)] = path
    # A folder of modules without __init__.py is still a package that imports can name.
    for name in list(modules):
        parts = name.split(".")
        for end in range(1, len(parts)):
            modules.setdefault(".".join(parts[:end]), root.joinpath(*parts[:end]))
    return modules


def imported_modules(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """The package modules that ``name`` imports anywhere in its file."""
    if not path.is_file():
        return set()
    tree = ast.parse(path.read_text(), filename=str(path))
    is_package = path.name == "__init__.py"
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                found.add(_known(alias.name, modules))
        elif isinstance(node, ast.ImportFrom):
            base = _absolute(node, name, is_package)
            for alias in node.names:
                candidate = f"{base}.{alias.name}"
                found.add(candidate if candidate in modules else _known(base, modules))
    found.discard("")
    found.discard(name)
    return found


def _absolute(node: ast.ImportFrom, name: str, is_package: bool) -> str:
    """The absolute module a ``from ... import`` names (relative imports resolved)."""
    if not node.level:
        return node.module or ""
    parts = name.split(".")
    keep = len(parts) - node.level + (1 if is_package else 0)
    base = ".".join(parts[:keep])
    return f"{base}.{node.module}" if node.module else base


def _known(dotted: str, modules: dict[str, Path]) -> str:
    """The longest package module that ``dotted`` names, or "" for anything outside."""
    parts = dotted.split(".")
    while parts:
        candidate = ".".join(parts)
        if candidate in modules:
            return candidate
        parts.pop()
    return ""


def component(module: str) -> str:
    """The subpackage or top-level module a module belongs to (``netsynth.runner``)."""
    return ".".join(module.split(".")[:2])


def strongly_connected(graph: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's algorithm, iterative: the components with more than one node."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    found: list[list[str]] = []
    counter = 0
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, edges = work[-1]
            advanced = False
            for nxt in edges:
                if nxt not in index:
                    index[nxt] = low[nxt] = counter
                    counter += 1
                    stack.append(nxt)
                    on_stack.add(nxt)
                    work.append((nxt, iter(sorted(graph.get(nxt, ())))))
                    advanced = True
                    break
                if nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
            if advanced:
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                members = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    members.append(member)
                    if member == node:
                        break
                if len(members) > 1:
                    found.append(sorted(members))
    return sorted(found, key=lambda members: (-len(members), members))


def layer_order(pyproject: Path) -> dict[str, int]:
    """Component -> layer height, from the import-linter ``layers`` contract (0 = lowest)."""
    config = tomllib.loads(pyproject.read_text())
    contracts = config["tool"]["importlinter"]["contracts"]
    layers = next(c for c in contracts if c["type"] == "layers")
    containers = layers.get("containers", [])
    prefix = f"{containers[0]}." if containers else ""
    height: dict[str, int] = {}
    for level, line in enumerate(reversed(layers["layers"])):
        for tail in line.replace(":", "|").split("|"):
            height[prefix + tail.strip()] = level
    return height


def _points_up(low: str, high: str, height: dict[str, int]) -> bool:
    """Whether an import from component ``low`` of component ``high`` goes up the layers.
    The package root (``from netsynth import X``) is the public surface, above every layer."""
    if high == PACKAGE:
        return low != PACKAGE
    return low in height and high in height and height[high] > height[low]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-v", "--verbose", action="store_true", help="list every finding")
    parser.add_argument("--root", type=Path, default=Path.cwd(), help="the repository root")
    args = parser.parse_args()

    modules = module_names(args.root)
    graph = {name: imported_modules(name, path, modules) for name, path in modules.items()}
    # A module imports its parent packages when it is imported; that is not a dependency a
    # reader follows, so a package's own submodules importing its __init__ form no cycle here.
    module_edges = sum(len(targets) for targets in graph.values())

    components: dict[str, set[str]] = defaultdict(set)
    for source, targets in graph.items():
        components.setdefault(component(source), set())
        for target in targets:
            if component(target) != component(source):
                components[component(source)].add(component(target))

    height = layer_order(args.root / "pyproject.toml")
    unlayered = sorted(c for c in components if c != PACKAGE and c not in height)
    upward = [
        (source, target)
        for source, targets in sorted(graph.items())
        for target in sorted(targets)
        if _points_up(component(source), component(target), height)
    ]

    module_cycles = strongly_connected(graph)
    component_cycles = strongly_connected(components)
    print(f"modules: {len(modules)}, imports between them: {module_edges}")
    print(
        f"module cycles: {len(module_cycles)} "
        f"(sizes {[len(c) for c in module_cycles]}, {sum(map(len, module_cycles))} modules)"
    )
    print(f"component cycles: {len(component_cycles)} (sizes {[len(c) for c in component_cycles]})")
    print(f"upward imports: {len(upward)} (module pairs)")
    print(f"components without a layer: {len(unlayered)}")
    if args.verbose:
        for members in module_cycles:
            print("module cycle:", " ".join(members))
        for members in component_cycles:
            print("component cycle:", " ".join(members))
        for source, target in upward:
            print(f"upward: {source} -> {target}")
        for name in unlayered:
            print("no layer:", name)
    return 1 if module_cycles or component_cycles or upward or unlayered else 0


if __name__ == "__main__":
    sys.exit(main())
