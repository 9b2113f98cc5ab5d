"""JSON for storage columns: compact, and ±inf / NaN kept exactly (Python's JSON extension)."""

from __future__ import annotations

import json
from typing import Any


def dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), allow_nan=True, ensure_ascii=False)


def loads(text: str | None) -> Any:
    return None if text is None else json.loads(text)
