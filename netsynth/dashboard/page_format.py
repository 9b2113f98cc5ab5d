"""How the pages write numbers, sizes and links: the Jinja filters, in one place."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from netsynth.tapas.rank_quality import metric_label


def number(value: Any, digits: int = 4) -> str:
    """``0.912345`` -> ``0.9123``; missing -> ``—``; text as it is (escaped by the template)."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        return f"{value:.{digits}g}"
    return str(value)


def size(value: Any) -> str:
    """Parameter and FLOP counts: ``1.23M``, ``45.6k``."""
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        return "—"
    for unit, scale in (("G", 1e9), ("M", 1e6), ("k", 1e3)):
        if abs(value) >= scale:
            return f"{value / scale:.3g}{unit}"
    return f"{value:g}"


def path_part(value: Any) -> str:
    """One URL path segment: ``a/b <c>`` -> ``a%2Fb%20%3Cc%3E``."""
    return quote(str(value), safe="")


def seconds(value: Any) -> str:
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        return "—"
    if value >= 3600:
        return f"{value / 3600:.1f} h"
    if value >= 60:
        return f"{value / 60:.1f} min"
    return f"{value:.3g} s"


FILTERS = {
    "number": number,
    "size": size,
    "path_part": path_part,
    "seconds": seconds,
    "metric_label": metric_label,  # a TAP prediction is headed as a rank score
}
