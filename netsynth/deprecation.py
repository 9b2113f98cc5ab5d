"""Old spellings that still work for one release, and how they say so.

Every renamed spec key, Python keyword and command goes through ``warn_deprecated``: a
``NetsynthDeprecationWarning`` (a ``DeprecationWarning``, so test suites and ``-W error``
see it) whose message names the new spelling. The command line prints these as one
``deprecated: ...`` line on stderr (``netsynth.cli``).

>>> import warnings
>>> with warnings.catch_warnings(record=True) as caught:
...     warnings.simplefilter("always")
...     warn_deprecated("space=", "parameters=")
>>> print(caught[0].message)
space= is deprecated, use parameters= (the old spelling is removed in netsynth 0.3)
"""

from __future__ import annotations

import warnings

REMOVED_IN = "0.3"  # the release that drops the spellings deprecated in 0.2


class NetsynthDeprecationWarning(DeprecationWarning):
    """An old netsynth spelling was used; the message says the new one."""


def deprecation_message(old: str, new: str) -> str:
    return f"{old} is deprecated, use {new} (the old spelling is removed in netsynth {REMOVED_IN})"


def warn_deprecated(old: str, new: str, stacklevel: int = 2) -> None:
    """Warn that ``old`` is spelled ``new`` now; ``stacklevel`` as for ``warnings.warn``
    (2: the caller of the function that calls this)."""
    warnings.warn(
        deprecation_message(old, new), NetsynthDeprecationWarning, stacklevel=stacklevel + 1
    )
