"""Connection loss on a server database (PostgreSQL): retried with backoff and reported.

``pool_pre_ping`` replaces a pooled connection that died while idle before it is used. A
connection that dies *during* a transaction — the server restarted, a network blip, an
administrator's ``pg_terminate_backend`` — makes the storage method fail with a connection
error; the method is then run again from the start in a fresh transaction, after 0.2 s,
0.4 s, ... (at most 3 s), five attempts in all, each one logged as a warning. After the last
a ``StorageError`` says so.

Exactly once: a transaction whose connection died before its COMMIT was sent never
committed (the server rolls back a transaction whose session ends), so running it again
applies its writes once — ``create_trial``'s counter and insert, ``finish_trial``'s guarded
RUNNING → finished transition and ``add_report``'s count and row are each one transaction.
A connection lost *while committing* leaves the outcome unknown (the commit may have been
applied, its acknowledgement lost); that is never retried but raised as a ``StorageError``
at once (see ``CommitOutcomeUnknown``), so no write is ever applied twice. SQLite has no
connection to lose and is never retried.
"""

from __future__ import annotations

import functools
import logging
import threading
import time
from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar

from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

from netsynth.storage.storage import StorageError

log = logging.getLogger("netsynth")

ATTEMPTS = 5
FIRST_DELAY = 0.2
MAX_DELAY = 3.0

P = ParamSpec("P")
R = TypeVar("R")


class CommitOutcomeUnknown(StorageError):
    """The connection was lost while committing: the transaction may or may not have been
    applied, so it is not retried."""


def is_connection_loss(exc: BaseException) -> bool:
    """A lost or unreachable connection, as opposed to an error of the statement itself."""
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    return isinstance(exc, OperationalError | InterfaceError)


def delay_before(attempt: int) -> float:
    """Seconds to wait after failed attempt ``attempt`` (1-based): 0.2, 0.4, 0.8, 1.6, 3."""
    return float(min(MAX_DELAY, FIRST_DELAY * 2 ** (attempt - 1)))


def _first_line(exc: BaseException) -> str:
    text = str(getattr(exc, "orig", None) or exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


_active = threading.local()  # only the outermost storage call retries


def retry_connection_loss(method: Callable[P, R]) -> Callable[P, R]:
    """Run a storage method again on connection loss (server databases only); see above."""

    @functools.wraps(method)
    def retrying(*args: P.args, **kwargs: P.kwargs) -> R:
        storage: Any = args[0]
        if not storage.retries_connection_loss or getattr(_active, "inside", False):
            return method(*args, **kwargs)
        _active.inside = True
        try:
            attempt = 1
            while True:
                try:
                    return method(*args, **kwargs)
                except CommitOutcomeUnknown:
                    raise
                except Exception as exc:
                    if not is_connection_loss(exc):
                        raise
                    if attempt >= ATTEMPTS:
                        raise StorageError(
                            f"storage connection lost {ATTEMPTS} times in a row, giving up "
                            f"({method.__name__.lstrip('_')}): {_first_line(exc)}"
                        ) from exc
                    wait = delay_before(attempt)
                    log.warning(
                        "storage connection lost, retrying in %.1f s (attempt %d/%d): %s",
                        wait,
                        attempt + 1,
                        ATTEMPTS,
                        _first_line(exc),
                    )
                    time.sleep(wait)
                    attempt += 1
        finally:
            _active.inside = False

    return retrying
