"""The documentation is tested like code, so its examples cannot rot.

- Python blocks marked ``<!-- runnable -->`` (on the last line above the fence) run, page by page
  in order, in a fresh folder, as a reader following the page would run them.
- Every YAML block in the docs is a spec that passes the checks of ``netsynth validate``
  short of loading data; one marked ``<!-- fragment -->`` is checked merged into a small
  complete spec.
- The README stays a short entry point, nothing refers to documents outside the repository,
  every page is in the site's navigation, and the generated reference covers every spec key and
  every command.
"""

from __future__ import annotations

import argparse
import importlib.util
import re
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml

from tests.conftest import EXAMPLES, REPO

DOCS = REPO / "docs"
PAGES = sorted(path for path in DOCS.rglob("*.md") if "hooks" not in path.parts)
README = REPO / "README.md"
BENCHMARKS = REPO / "benchmarks" / "README.md"
DOCUMENTS = [README, BENCHMARKS, *PAGES]

# A Markdown file named in a document (`NAME.md`) must be one of the repository's own: a name
# that matches none points at a document the reader cannot open. Paths (`a/b.md`) are left to
# the link checks below.
OWN_MARKDOWN = {path.name for path in REPO.rglob("*.md") if ".git" not in path.parts}
MARKDOWN_NAME = re.compile(r"(?<![\w./-])[\w.-]+\.md\b")

# A fragment (say, an `execution:` section) is checked as part of this complete spec; the
# fragment's top-level keys replace the base's.
FRAGMENT_BASE: dict[str, Any] = {
    "name": "fragment",
    "data": {"dataset": "digits"},
    "architecture": {"type": "chain", "max_layers": 2},
    "budget": {"max_trials": 2},
}


@dataclass(frozen=True)
class Block:
    """A fenced code block of a document: its language, marker and code."""

    document: Path
    line: int
    language: str
    marker: str | None
    code: str

    @property
    def label(self) -> str:
        return f"{self.document.relative_to(REPO)}:{self.line}"


def code_blocks(document: Path) -> list[Block]:
    """Every fenced block at the start of a line, with the marker above it, if any."""
    lines = document.read_text(encoding="utf-8").splitlines()
    blocks, index = [], 0
    while index < len(lines):
        opening = re.match(r"^```(\w*)", lines[index])
        if opening is None:
            index += 1
            continue
        end = index + 1
        while end < len(lines) and not lines[end].startswith("```"):
            end += 1
        # The marker sits on the last non-blank line above the fence.
        above = [line.strip() for line in lines[:index] if line.strip()]
        previous = above[-1] if above else ""
        marker = re.fullmatch(r"<!-- (runnable|fragment) -->", previous)
        blocks.append(
            Block(
                document,
                index + 1,
                opening.group(1),
                marker.group(1) if marker else None,
                "\n".join(lines[index + 1 : end]),
            )
        )
        index = end + 1
    return blocks


def _blocks(language: str) -> list[Block]:
    return [b for d in DOCUMENTS for b in code_blocks(d) if b.language == language]


RUNNABLE_PAGES = sorted({b.document for b in _blocks("python") if b.marker == "runnable"}, key=str)


@pytest.mark.slow
@pytest.mark.parametrize("page", RUNNABLE_PAGES, ids=lambda p: str(p.relative_to(REPO)))
def test_the_runnable_python_examples_run(
    page: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, one_torch_thread: None
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NETSYNTH_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv("NETSYNTH_STORAGE", raising=False)
    namespace: dict[str, Any] = {"__name__": "docs_example"}
    for block in code_blocks(page):
        if block.language == "python" and block.marker == "runnable":
            code = compile(block.code, block.label, "exec")
            exec(code, namespace)


def test_every_page_with_python_has_a_runnable_example() -> None:
    """Marking is opt-in; this keeps the pages that teach the Python API honest."""
    for name in ("tutorials/hpo.md", "tutorials/nas-on-your-data.md", "how-to/export.md"):
        assert DOCS / name in RUNNABLE_PAGES, name


@pytest.mark.parametrize("block", _blocks("yaml"), ids=lambda b: b.label)
def test_every_yaml_spec_in_the_docs_is_valid(block: Block) -> None:
    from netsynth.spec import check_spec, parse_spec

    data = yaml.safe_load(block.code)
    assert isinstance(data, dict), f"{block.label}: a spec is a mapping"
    if block.marker == "fragment":
        data = {**FRAGMENT_BASE, **data}
    # Relative paths (quadratic.py:objective, train_script.py) are those of examples/.
    spec = parse_spec(data, block.label, EXAMPLES)
    if spec.is_auto:  # as `netsynth validate` does: the space is chosen from the data first
        from netsynth.spec.auto import resolve_auto

        spec = resolve_auto(spec, block.label, EXAMPLES).spec
    check_spec(spec, block.label, EXAMPLES)


def test_the_readme_is_a_short_entry_point() -> None:
    lines = README.read_text(encoding="utf-8").splitlines()
    assert len(lines) <= 200, f"README.md has {len(lines)} lines; move detail into docs/"


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda p: str(p.relative_to(REPO)))
def test_nothing_refers_to_documents_outside_the_repository(document: Path) -> None:
    text = document.read_text(encoding="utf-8")
    unknown = sorted({name for name in MARKDOWN_NAME.findall(text) if name not in OWN_MARKDOWN})
    assert not unknown, f"{document.relative_to(REPO)} names documents it does not hold: {unknown}"
    # Section signs cite numbered sections of some other document.
    assert "§" not in text, f"{document.relative_to(REPO)} cites a section of another document"


def _links(document: Path) -> list[str]:
    text = document.read_text(encoding="utf-8")
    text = re.sub(r"```.*?```", "", text, flags=re.DOTALL)  # code is not links
    return re.findall(r"\]\(([^)\s]+)\)", text)


def test_the_readmes_links_lead_to_files_that_exist() -> None:
    for link in _links(README):
        if link.startswith(("http://", "https://", "#")):
            continue
        assert (REPO / link.split("#")[0]).exists(), link


def test_the_benchmarks_readme_has_no_relative_links() -> None:
    """The docs site includes benchmarks/README.md into docs/benchmarks.md, where a relative
    link would lead elsewhere than on GitHub."""
    relative = [
        link for link in _links(BENCHMARKS) if not link.startswith(("http://", "https://", "#"))
    ]
    assert relative == []


def _nav_pages(entry: Any) -> list[str]:
    if isinstance(entry, str):
        return [entry]
    if isinstance(entry, dict):
        return [page for value in entry.values() for page in _nav_pages(value)]
    if isinstance(entry, list):
        return [page for item in entry for page in _nav_pages(item)]
    return []


def test_every_page_is_in_the_navigation() -> None:
    # mkdocs.yml is plain YAML apart from tags this test does not need.
    config = yaml.safe_load((REPO / "mkdocs.yml").read_text(encoding="utf-8"))
    nav = set(_nav_pages(config["nav"]))
    pages = {str(page.relative_to(DOCS)) for page in PAGES}
    assert pages == nav


def _hook() -> ModuleType:
    path = DOCS / "hooks" / "generated_reference.py"
    spec = importlib.util.spec_from_file_location("generated_reference", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_spec_reference_lists_every_key() -> None:
    from netsynth.spec import ExperimentSpec

    reference = _hook().spec_reference()
    for key in ExperimentSpec.model_fields:
        assert f"| `{key}`" in reference, key
    assert "## ChainSpaceConfig" in reference and "## BudgetSpec" in reference


def test_the_cli_reference_lists_every_command_and_option() -> None:
    from netsynth.cli import _parser

    hook = _hook()
    reference = hook.cli_reference()
    for name, command in hook._subcommands(_parser()).items():
        assert f"### netsynth {name}" in reference, name
        for action in command._actions:
            if isinstance(action, argparse._HelpAction):
                continue  # every command has --help
            for option in action.option_strings:
                assert f"`{option}`" in reference, (name, option)


def test_the_generated_reference_replaces_its_markers() -> None:
    page = (DOCS / "reference" / "spec.md").read_text(encoding="utf-8")
    rendered = _hook().on_page_markdown(page, page=None, config=None, files=None)
    assert "<!-- generated:" not in rendered and "## BudgetSpec" in rendered
