"""One wall-clock limit for a whole run, and how it is shared between the run's stages.

A time limit bounds everything from PREPARING to EXPORTING: preparing the data and measuring
this machine, the search, retraining the best candidates, testing and exporting. The shares
are fixed when the run starts, so the user sees up front how the time will be spent:

- **preparing**: loading and checking the data, one preflight batch, and the calibration
  that lets every candidate get a predicted cost before it is trained (5% of the limit,
  between 5 s and 40 s);
- **final**: retraining the winner(s) at full fidelity on train+validation, testing and
  exporting (a third of the limit unless ``final_share`` says otherwise, so the network that
  is delivered trains long enough to be good);
- **search**: whatever lies between; PREPARING's unused seconds go to it, since the search
  ends at a fixed point of the run's active time rather than after a fixed duration.

>>> parse_duration("90s"), parse_duration("10m"), parse_duration("1h"), parse_duration(45)
(90.0, 600.0, 3600.0, 45.0)
>>> plan = TimePlan.for_limit(600)
>>> plan.search_ends_at, plan.final
(400.0, 200.0)
>>> plan.describe()  # doctest: +NORMALIZE_WHITESPACE
'time limit 10m: about 30s preparing, 6m 10s searching,
 3m 20s for the final training, test and export'
"""

from __future__ import annotations

import math
import re
from dataclasses import asdict, dataclass
from typing import Any

DEFAULT_TIME_LIMIT = 600.0  # a run given neither a spec nor a limit: 10 minutes
AUTO = "auto"  # a final share settled in PREPARING (see netsynth.runner.machine_check)
PREPARE_SHARE, PREPARE_MIN, PREPARE_MAX = 0.05, 5.0, 40.0
FINAL_SHARE = 1 / 3
EXPORT_RESERVE_SHARE, EXPORT_RESERVE_MIN = 0.03, 3.0  # test + ONNX export + check, in final

_UNITS = {"s": 1.0, "m": 60.0, "h": 3600.0}
_DURATION = re.compile(r"^\s*(\d+(?:\.\d*)?|\.\d+)\s*([smh]?)\s*$")


class DurationError(ValueError):
    """A time limit that is not a duration: says which forms are accepted."""


class TimeLimitTooShort(ValueError):
    """No candidate can train even one epoch in the time given; the message has the numbers."""


def parse_duration(value: Any) -> float:
    """Seconds in ``value``: a number of seconds, or text such as ``"90s"``, ``"10m"``,
    ``"1.5h"`` (a bare number in text is seconds). Raises ``DurationError`` otherwise."""
    if isinstance(value, bool):
        raise DurationError(f"a duration must be a number or text like 90s, 10m, 1h; got {value!r}")
    if isinstance(value, (int, float)):
        seconds = float(value)
    elif isinstance(value, str) and (match := _DURATION.match(value.lower())):
        seconds = float(match.group(1)) * _UNITS[match.group(2) or "s"]
    else:
        raise DurationError(
            f"{value!r} is not a duration; use seconds (600) or text like 90s, 10m, 1h"
        )
    if not math.isfinite(seconds) or seconds <= 0:
        raise DurationError(f"a duration must be more than 0 seconds, got {value!r}")
    return seconds


def format_duration(seconds: float) -> str:
    """``"6m 10s"``, ``"45s"``, ``"1h 2m"``: short and readable, rounded to the second.

    >>> format_duration(370), format_duration(45.4), format_duration(3720), format_duration(600)
    ('6m 10s', '45s', '1h 2m', '10m')
    """
    total = max(0, round(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h {minutes}m" if minutes else f"{hours}h"
    if minutes:
        return f"{minutes}m {secs}s" if secs else f"{minutes}m"
    return f"{secs}s"


@dataclass(frozen=True)
class TimePlan:
    """How a run's ``limit`` (seconds of active time) is shared. Times are offsets into the
    run's active time: the search ends when ``search_ends_at`` seconds have been used in all,
    leaving ``final`` seconds for retraining, testing and exporting."""

    limit: float
    prepare: float  # at most this long in PREPARING (calibration is sized to fit)
    final: float  # retraining + test + export
    export_reserve: float  # of ``final``: kept for test and export
    search_wall: float | None = None  # the search's own wall-time budget, when set
    provisional: bool = False  # the final share is still to be settled in PREPARING

    @classmethod
    def for_limit(
        cls,
        limit: float,
        search_wall: float | None = None,
        final_share: float | str | None = None,
    ) -> TimePlan:
        """``final_share``: a number, None (a third) or ``"auto"`` (a third until PREPARING
        settles it from what the first candidates cost here)."""
        share = FINAL_SHARE if final_share in (None, AUTO) else float(final_share)  # type: ignore[arg-type]
        if not 0.05 <= share <= 0.9:
            raise DurationError(f"final_share must be between 0.05 and 0.9, got {share:g}")
        if search_wall is not None and search_wall >= limit:
            raise DurationError(
                f"max_wall_seconds ({search_wall:g}) bounds the search alone and must be less "
                f"than the time limit ({limit:g}s), which also covers retraining and export"
            )
        prepare = min(max(PREPARE_SHARE * limit, PREPARE_MIN), PREPARE_MAX, limit / 4)
        final = share * limit
        reserve = min(max(EXPORT_RESERVE_SHARE * limit, EXPORT_RESERVE_MIN), final / 2)
        return cls(limit, prepare, final, reserve, search_wall, final_share == AUTO)

    @property
    def search_ends_at(self) -> float:
        """The active time at which the search stops, whatever PREPARING used."""
        return self.limit - self.final

    @property
    def search(self) -> float:
        """The search's nominal share (PREPARING's unused time comes on top)."""
        share = self.search_ends_at - self.prepare
        return share if self.search_wall is None else min(share, self.search_wall)

    @property
    def grace(self) -> float:
        """How far past the limit a run may end: 5% of it, at least 30 s."""
        return max(0.05 * self.limit, 30.0)

    def describe(self) -> str:
        return (
            f"time limit {format_duration(self.limit)}: about {format_duration(self.prepare)} "
            f"preparing, {format_duration(self.search)} searching, "
            f"{format_duration(self.final)} for the final training, test and export"
            + (" (to be settled once this machine is measured)" if self.provisional else "")
        )

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TimePlan:
        return cls(**data)
