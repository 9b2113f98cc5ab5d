"""Run a benchmark command and publish its output, with the date and machine, as a results file.

    python benchmarks/publish.py NAME [--title TITLE] -- COMMAND [ARG ...]
    python benchmarks/publish.py --update-docs     # copy every results file into the docs
    python benchmarks/publish.py --check-docs      # exit 1 when a copy differs from its file

A figure in the documentation must be the output of a command that anyone can rerun, so the
documentation never states numbers by hand: each measured table lives in
``benchmarks/results/NAME.md``, written here from the command's own standard output, headed
by the exact command, the date, the commit, the machine (platform, CPUs, torch and its thread
count, GPU if any), the load average before and after, the wall time and the exit code. The
command's output is kept verbatim: scripts that print Markdown tables publish them as they
are (``--markdown``), others inside a text block.

The documents (``DOCUMENTS``: the README, ``benchmarks/README.md`` and every page under
``docs/``) quote a results file between the markers ``<!-- published: NAME -->`` and
``<!-- /published -->``; ``--update-docs`` rewrites every such block from its file and
``--check-docs`` (run by the tests) fails when a block and its file disagree, so a figure and
its command cannot drift apart.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import re
import shlex
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
# The documents that may quote results files: the README, the benchmarks' own README (where
# every measured table lives) and the documentation site's pages.
DOCUMENTS = (
    ROOT / "README.md",
    ROOT / "benchmarks" / "README.md",
    *sorted((ROOT / "docs").rglob("*.md")),
)
BLOCK = re.compile(
    r"(?P<open><!-- published: (?P<name>[\w.-]+) -->\n)(?P<body>.*?)(?P<close><!-- /published -->)",
    re.DOTALL,
)


def machine_line() -> str:
    """The machine in one line: platform, CPUs, torch, its threads and the GPU if there is one."""
    parts = [platform.platform(), f"{os.cpu_count()} CPUs", f"Python {platform.python_version()}"]
    try:
        import torch

        parts.append(f"torch {torch.__version__} ({torch.get_num_threads()} threads by default)")
        if torch.cuda.is_available():
            parts.append(f"GPU {torch.cuda.get_device_name(0)}")
        else:
            parts.append("no GPU")
    except ImportError:  # pragma: no cover - torch is a dependency
        parts.append("no torch")
    return ", ".join(parts)


def commit() -> str:
    """The checked-out commit, with ``+changes`` when the work tree differs from it."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=ROOT,
            capture_output=True,
            text=True,
        ).stdout.strip()
    except OSError:
        return "unknown"
    return f"{head}+changes" if dirty else head or "unknown"


def _loads() -> str:
    return "/".join(f"{value:.2f}" for value in os.getloadavg())


def run_and_publish(name: str, command: list[str], title: str, markdown: bool) -> int:
    """Run ``command`` from the repository root, echo its output, and write the results file."""
    started_at = datetime.datetime.now(datetime.timezone.utc)
    load_before, revision = _loads(), commit()
    start = time.perf_counter()
    process = subprocess.Popen(
        command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    assert process.stdout is not None
    lines = []
    for line in process.stdout:
        sys.stdout.write(line)
        lines.append(line)
    code = process.wait()
    seconds = time.perf_counter() - start
    output = "".join(lines).rstrip("\n")
    header = (
        f"## {title}\n\n"
        f"`{shlex.join(command)}`, run {started_at:%Y-%m-%d %H:%M} UTC at commit {revision} "
        f"on {machine_line()}; load average {load_before} before, {_loads()} after; "
        f"{seconds:.0f} s, exit code {code}.\n\n"
    )
    body = output if markdown else f"```text\n{output}\n```"
    RESULTS.mkdir(parents=True, exist_ok=True)
    target = RESULTS / f"{name}.md"
    target.write_text(header + body + "\n", encoding="utf-8")
    print(f"published {target}", file=sys.stderr)
    return code


def synced(text: str) -> str:
    """``text`` with every published block replaced by its results file's current content."""

    def fill(match: re.Match[str]) -> str:
        source = RESULTS / f"{match['name']}.md"
        if not source.is_file():
            raise SystemExit(f"a published block names {source}, which does not exist")
        return match["open"] + source.read_text(encoding="utf-8") + match["close"]

    return BLOCK.sub(fill, text)


def sync_documents(write: bool) -> list[Path]:
    """The documents whose published blocks differ from their files (rewritten when ``write``)."""
    stale = []
    for document in DOCUMENTS:
        text = document.read_text(encoding="utf-8")
        fresh = synced(text)
        if fresh != text:
            stale.append(document)
            if write:
                document.write_text(fresh, encoding="utf-8")
    return stale


def main(argv: list[str] | None = None) -> int:
    arguments = sys.argv[1:] if argv is None else argv
    command: list[str] = []
    if "--" in arguments:
        split = arguments.index("--")
        arguments, command = arguments[:split], arguments[split + 1 :]
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("name", nargs="?", help="results file name: benchmarks/results/NAME.md")
    parser.add_argument("--title", help="the table's heading (default: the name)")
    parser.add_argument("--markdown", action="store_true", help="the output is Markdown already")
    parser.add_argument("--update-docs", action="store_true", help="rewrite published blocks")
    parser.add_argument("--check-docs", action="store_true", help="fail if a block is stale")
    options = parser.parse_args(arguments)
    if options.update_docs or options.check_docs:
        stale = sync_documents(write=options.update_docs)
        for document in stale:
            verb = "updated" if options.update_docs else "differs from its results files:"
            print(f"{verb} {document}")
        return 1 if stale and options.check_docs else 0
    if not options.name or not command:
        parser.error("give a NAME and, after --, the command to run")
    return run_and_publish(options.name, command, options.title or options.name, options.markdown)


if __name__ == "__main__":
    sys.exit(main())
