"""Figures in the docs are copies of results files written by the benchmark that measured them.

``benchmarks/publish.py`` runs a command and writes its output, headed by the command, date,
commit and machine, to ``benchmarks/results/NAME.md``; the README, benchmarks/README.md and the
pages under docs/ quote such a file between ``<!-- published: NAME -->`` markers. These tests
keep the quotes and the files identical."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

from tests.conftest import REPO


def _publish() -> ModuleType:
    spec = importlib.util.spec_from_file_location("publish", REPO / "benchmarks" / "publish.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_published_block_in_the_docs_equals_its_results_file() -> None:
    publish = _publish()
    assert publish.sync_documents(write=False) == [], (
        "a published block differs from its results file: "
        "run python benchmarks/publish.py --update-docs"
    )


def _quoted(document: Path) -> list[str]:
    """The results files a document quotes, by name."""
    return [match["name"] for match in _publish().BLOCK.finditer(document.read_text("utf-8"))]


def test_the_docs_quote_published_results() -> None:
    assert "real_data" in _quoted(REPO / "README.md")
    assert "examples" in _quoted(REPO / "benchmarks" / "README.md")


def test_the_readme_the_benchmarks_and_every_docs_page_are_kept_in_sync() -> None:
    documents = set(_publish().DOCUMENTS)
    assert REPO / "README.md" in documents
    assert REPO / "benchmarks" / "README.md" in documents
    assert set((REPO / "docs").rglob("*.md")) <= documents


@pytest.fixture
def sandbox(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[ModuleType, Path]:
    publish = _publish()
    document = tmp_path / "README.md"
    monkeypatch.setattr(publish, "RESULTS", tmp_path / "results")
    monkeypatch.setattr(publish, "DOCUMENTS", (document,))
    return publish, document


def test_publishing_writes_the_output_under_its_command_date_and_machine(
    sandbox: tuple[ModuleType, Path],
) -> None:
    publish, _ = sandbox
    command = [sys.executable, "-c", "print('| a | b |'); print('| 1 | 2 |')"]
    assert publish.main(["tiny", "--title", "A tiny table", "--markdown", "--", *command]) == 0
    text = (publish.RESULTS / "tiny.md").read_text()
    assert text.startswith("## A tiny table\n")
    assert "print(" in text and "exit code 0" in text and "CPUs" in text and "UTC" in text
    assert text.endswith("| a | b |\n| 1 | 2 |\n")


def test_a_failing_command_is_published_with_its_exit_code(
    sandbox: tuple[ModuleType, Path],
) -> None:
    publish, _ = sandbox
    code = publish.main(["broken", "--", sys.executable, "-c", "raise SystemExit(3)"])
    assert code == 3
    assert "exit code 3" in (publish.RESULTS / "broken.md").read_text()


def test_a_stale_quote_is_found_and_rewritten(sandbox: tuple[ModuleType, Path]) -> None:
    publish, document = sandbox
    publish.RESULTS.mkdir()
    (publish.RESULTS / "speed.md").write_text("| x | 2.0 |\n")
    document.write_text(
        "Intro.\n<!-- published: speed -->\n| x | 1.0 |\n<!-- /published -->\nEnd.\n"
    )
    assert publish.main(["--check-docs"]) == 1
    assert publish.main(["--update-docs"]) == 0
    assert document.read_text() == (
        "Intro.\n<!-- published: speed -->\n| x | 2.0 |\n<!-- /published -->\nEnd.\n"
    )
    assert publish.main(["--check-docs"]) == 0


def test_a_quote_of_a_missing_results_file_is_an_error(sandbox: tuple[ModuleType, Path]) -> None:
    publish, document = sandbox
    document.write_text("<!-- published: nowhere -->\n<!-- /published -->\n")
    with pytest.raises(SystemExit, match=r"nowhere\.md"):
        publish.main(["--check-docs"])
