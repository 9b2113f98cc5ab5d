"""Ctrl-C and SIGTERM during a run: end running trials as FAILED (interrupted), stop cleanly.

The handler raises ``RunInterrupted`` only inside ``interruptible()`` blocks (the objective,
waiting on workers); elsewhere — in the middle of a storage write, say — it records the
signal and the next ``interruptible()`` or ``check()`` raises it.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType, TracebackType
from typing import Any


class RunInterrupted(KeyboardInterrupt):
    """A run ended by a signal; ``signal_name`` is SIGINT or SIGTERM."""

    def __init__(self, signal_name: str) -> None:
        super().__init__(signal_name)
        self.signal_name = signal_name

    @property
    def exit_code(self) -> int:
        return 128 + int(getattr(signal, self.signal_name))


class InterruptGuard:
    def __init__(self) -> None:
        self.pending: str | None = None
        self._raise_now = False
        self._previous: dict[int, Any] = {}
        self._depth = 0  # re-entrant: handlers are installed by the outermost `with`

    def __enter__(self) -> InterruptGuard:
        self._depth += 1
        if self._depth == 1 and threading.current_thread() is threading.main_thread():
            for signum in (signal.SIGINT, signal.SIGTERM):
                self._previous[signum] = signal.signal(signum, self._handle)
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._depth -= 1
        if self._depth == 0:
            for signum, handler in self._previous.items():
                signal.signal(signum, handler)
            self._previous.clear()

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        first = self.pending is None
        self.pending = signal.Signals(signum).name
        if first and self._raise_now:
            self._raise_now = False
            raise RunInterrupted(self.pending)

    def check(self) -> None:
        if self.pending is not None:
            raise RunInterrupted(self.pending)

    @contextmanager
    def interruptible(self) -> Iterator[None]:
        self.check()
        self._raise_now = True
        try:
            yield
        finally:
            self._raise_now = False

    @contextmanager
    def deferred(self) -> Iterator[None]:
        """Inside an interruptible block, hold signals back for a moment (a storage write)."""
        was = self._raise_now
        self._raise_now = False
        try:
            yield
        finally:
            self._raise_now = was
        if was:
            self.check()
