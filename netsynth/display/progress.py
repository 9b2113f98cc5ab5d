"""A live progress bar for a search: trials done / budget, best so far, ETA."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from netsynth.runner.search_loop import SearchProgress


class ProgressBar:
    """A ``SearchLoop`` progress callback drawing on stderr; the loop closes it at the end."""

    def __init__(self, name: str, console: Console | None = None) -> None:
        self._name = name
        self._progress = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("trials"),
            TextColumn("{task.fields[best]}"),
            TextColumn("{task.fields[extra]}"),
            TimeElapsedColumn(),
            TextColumn("ETA"),
            TimeRemainingColumn(),
            console=console or Console(stderr=True),
            transient=False,
        )
        self._task: Any = None

    def __call__(self, status: SearchProgress) -> None:
        best = "best —" if status.best is None else f"best {status.best.value:.6g}"
        extra = []
        if status.running:
            extra.append(f"{status.running} running")
        if status.failed:
            extra.append(f"{status.failed} failed")
        fields: dict[str, Any] = {"best": best, "extra": ", ".join(extra)}
        if self._task is None:
            self._progress.start()
            self._task = self._progress.add_task(self._name, total=status.budget, **fields)
        self._progress.update(self._task, completed=status.done, **fields)

    def close(self) -> None:
        if self._task is not None:
            self._progress.refresh()
            self._progress.stop()
            self._task = None
