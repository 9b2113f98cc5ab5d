"""A live progress bar for a search: trials done / budget, best so far, ETA.

With a time limit the bar measures time instead of trials: it fills as the search's share of
the limit is used, and the ETA is the time left of that share.
"""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.progress import (
    BarColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from netsynth.search_progress import SearchProgress


class ProgressBar:
    """A ``SearchLoop`` progress callback drawing on stderr; the loop closes it at the end."""

    def __init__(self, name: str, console: Console | None = None) -> None:
        self._name = name
        self._progress = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            TextColumn("{task.fields[count]}"),
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
        if status.repaired:
            extra.append(f"{status.repaired} made cheaper")
        if status.skipped:
            extra.append(f"{status.skipped} skipped (too slow)")
        total: float | None
        if status.seconds_left is not None:
            total = status.elapsed + max(status.seconds_left, 0.0)
            completed: float = min(status.elapsed, total)
            count = f"{status.done} trials" + (f"/{status.budget}" if status.budget else "")
        else:
            total, completed = status.budget, status.done
            count = f"{status.done}/{status.budget or '?'} trials"
        fields: dict[str, Any] = {"best": best, "extra": ", ".join(extra), "count": count}
        if self._task is None:
            self._progress.start()
            self._task = self._progress.add_task(self._name, total=total, **fields)
        self._progress.update(self._task, completed=completed, total=total, **fields)

    def close(self) -> None:
        if self._task is not None:
            self._progress.refresh()
            self._progress.stop()
            self._task = None
