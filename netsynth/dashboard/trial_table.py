"""The experiment page's table of trials: one row per trial, sorted, filtered and paged on the
server, so a 10,000-trial experiment sends the browser one page.

Finished trials never change, so their rows are built once per experiment and kept; only
running trials are rebuilt on each request. What the experiment learns later about a finished
trial (its test accuracy after retraining, the pick) lives in the experiment's attrs, and a
change there rebuilds the experiment's rows.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import urlencode

from netsynth.experiment_record import ExperimentRecord
from netsynth.trial_record import TrialRecord, TrialState

Row = dict[str, Any]

# Column key -> heading. Every column sorts; hyperparameters sort as "param.NAME".
COLUMNS: dict[str, str] = {
    "rank": "#",
    "number": "trial",
    "state": "state",
    "stage": "stage",
    "value": "value",
    "test_acc": "test acc",
    "param_count": "params",
    "flops": "FLOPs",
    "latency_ms": "latency (ms)",
    "train_seconds": "train (s)",
    "rung": "rung",
    "reason": "why it stopped",
    "architecture": "architecture",
}
PARAM_PREFIX = "param."
MAX_PAGE_SIZE = 500


class TableQueryError(ValueError):
    """A sort key, order or page the table does not have."""


@dataclass(frozen=True)
class TableQuery:
    sort: str = "rank"
    order: str = "asc"
    states: frozenset[str] = frozenset()  # empty: every state
    stage: str | None = None  # "search" or "tuning"
    text: str = ""  # case-insensitive, in the architecture, reason or hyperparameters
    page: int = 1
    size: int = 50

    def __post_init__(self) -> None:
        if self.sort not in COLUMNS and not self.sort.startswith(PARAM_PREFIX):
            raise TableQueryError(
                f"cannot sort by {self.sort!r}; sort by one of {', '.join(COLUMNS)} "
                f"or {PARAM_PREFIX}NAME"
            )
        if self.order not in ("asc", "desc"):
            raise TableQueryError("order must be 'asc' or 'desc'")
        unknown = self.states - {s.value for s in TrialState}
        if unknown:
            raise TableQueryError(
                f"unknown state {sorted(unknown)[0]!r}; states: "
                + ", ".join(s.value for s in TrialState)
            )
        if self.stage not in (None, "search", "tuning"):
            raise TableQueryError("stage must be 'search' or 'tuning'")
        if self.page < 1 or not 1 <= self.size <= MAX_PAGE_SIZE:
            raise TableQueryError(f"page must be at least 1, size from 1 to {MAX_PAGE_SIZE}")

    def link(self, **changes: Any) -> str:
        """The query string of this query with ``changes``: ``sort=value&order=desc&page=2``."""
        query = replace(self, **changes)
        params = {
            "sort": query.sort,
            "order": query.order,
            "state": ",".join(sorted(query.states)),
            "stage": query.stage or "",
            "q": query.text,
            "page": query.page,
            "size": query.size,
        }
        return urlencode({k: v for k, v in params.items() if v != ""})

    def sort_link(self, key: str, descending_first: bool = False) -> str:
        """Sort by ``key`` from the first page; a second click on the same column reverses it.
        ``descending_first``: a column where larger is better starts with the largest."""
        if key == self.sort:
            order = "desc" if self.order == "asc" else "asc"
        else:
            order = "desc" if descending_first else "asc"
        return self.link(sort=key, order=order, page=1)


@dataclass(frozen=True)
class TablePage:
    rows: list[Row]
    total: int  # rows that pass the filter
    query: TableQuery

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.query.size))

    def to_dict(self) -> dict[str, Any]:
        q = self.query
        return {
            "rows": self.rows,
            "total": self.total,
            "page": q.page,
            "pages": self.pages,
            "size": q.size,
            "sort": q.sort,
            "order": q.order,
        }


def number_or_none(value: Any) -> float | None:
    """A finite number, else None (JSON has no NaN, and the browser cannot parse it)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value) if math.isfinite(value) else None


def trial_row(
    trial: TrialRecord, final: Mapping[int, Mapping[str, Any]], picked: int | None
) -> Row:
    """What the table shows of one trial (without its rank, which depends on the others)."""
    metrics = trial.metrics
    tapas = trial.attrs.get("tapas")
    return {
        "id": trial.id,
        "number": trial.number,
        "state": trial.state.value,
        "stage": "tuning" if trial.attrs.get("stage") == "tuning" else "search",
        "value": number_or_none(trial.value),
        "test_acc": number_or_none(final.get(trial.number, {}).get("test_acc")),
        "param_count": number_or_none(metrics.get("params")),
        "flops": number_or_none(metrics.get("flops")),
        "latency_ms": number_or_none(metrics.get("latency_ms")),
        "train_seconds": number_or_none(metrics.get("train_seconds", trial.duration)),
        "rung": trial.rung,
        "bracket": trial.bracket,
        "reason": trial.reason,
        "architecture": trial.attrs.get("architecture"),
        "params": {k: v for k, v in trial.params.items()},
        "tapas_predicted": number_or_none(tapas.get("predicted"))
        if isinstance(tapas, Mapping)
        else None,
        "parent": trial.attrs.get("parent"),
        "picked": trial.number == picked,
        "has_genotype": "genotype" in trial.attrs,
    }


def _search_text(row: Row) -> str:
    params = " ".join(f"{k}={v}" for k, v in row["params"].items())
    return f"{row['architecture'] or ''} {row['reason'] or ''} {params}".lower()


def _sort_values(rows: Sequence[Row], sort: str, ranks: Mapping[int, int]) -> list[Any]:
    if sort == "rank":
        return [ranks.get(row["id"]) for row in rows]
    if sort.startswith(PARAM_PREFIX):
        name = sort[len(PARAM_PREFIX) :]
        return [row["params"].get(name) for row in rows]
    return [row[sort] for row in rows]


def _sorted(
    rows: Sequence[Row], sort: str, descending: bool, ranks: Mapping[int, int]
) -> list[Row]:
    """Numbers, then text, then rows without a value (in either order); ties in trial order."""
    numbers: list[tuple[float, Row]] = []
    texts: list[tuple[str, Row]] = []
    missing: list[Row] = []
    for value, row in zip(_sort_values(rows, sort, ranks), rows, strict=True):
        if value is None:
            missing.append(row)
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            numbers.append((value, row))
        else:
            texts.append((str(value).lower(), row))
    numbers.sort(key=lambda pair: pair[0], reverse=descending)  # stable, reversed too
    texts.sort(key=lambda pair: pair[0], reverse=descending)
    return [row for _, row in numbers] + [row for _, row in texts] + missing


ORDERS_KEPT = 16  # filtered and sorted orders kept per table, for paging through them


@dataclass(frozen=True)
class TrialRows:
    """Every trial's row, in trial order, and each trial's place on the leaderboard. The
    table is reused while no trial starts or finishes, and so are the orders ``select`` made
    of it: paging through 100,000 sorted rows sorts them once."""

    rows: list[Row]
    ranks: dict[int, int]  # trial id -> 1 for the best
    orders: dict[tuple[Any, ...], list[Row]] = field(default_factory=dict, compare=False)
    lock: threading.Lock = field(default_factory=threading.Lock, compare=False, repr=False)


def select(table: TrialRows, query: TableQuery) -> TablePage:
    """Filter, sort and cut one page out of ``table``; the page's rows get their ``rank``."""
    key = (query.sort, query.order, query.states, query.stage, query.text)
    with table.lock:
        ordered = table.orders.get(key)
    if ordered is None:
        ordered = _ordered(table, query)
        with table.lock:
            if len(table.orders) >= ORDERS_KEPT:
                table.orders.pop(next(iter(table.orders)))  # the oldest
            table.orders[key] = ordered
    start = (query.page - 1) * query.size
    page = [{**r, "rank": table.ranks.get(r["id"])} for r in ordered[start : start + query.size]]
    return TablePage(page, len(ordered), query)


def _ordered(table: TrialRows, query: TableQuery) -> list[Row]:
    """The rows ``query`` keeps, in its order."""
    chosen = table.rows
    if query.states:
        chosen = [r for r in chosen if r["state"] in query.states]
    if query.stage is not None:
        chosen = [r for r in chosen if r["stage"] == query.stage]
    if query.text:
        needle = query.text.lower()
        chosen = [r for r in chosen if needle in _search_text(r)]
    return _sorted(chosen, query.sort, query.order == "desc", table.ranks)


@dataclass
class _ExperimentRows:
    key: Any = None  # what of the experiment's attrs the rows show
    finished: dict[int, Row] = field(default_factory=dict)
    counts: tuple[int, int] = (-1, -1)  # (trials, finished trials) of ``last``
    last: TrialRows | None = None


class TrialTable:
    """Rows of every experiment's trials: a finished trial's row is built once, and while no
    trial runs or finishes the whole table is reused."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._experiments: dict[int, _ExperimentRows] = {}

    def rows(
        self,
        record: ExperimentRecord,
        trials: Sequence[TrialRecord],
        rank_of: Callable[[Sequence[TrialRecord]], dict[int, int]],
    ) -> TrialRows:
        final = {int(e["trial"]): e for e in record.attrs.get("final", []) if "trial" in e}
        picked = _picked(record)
        key = (picked, tuple((n, e.get("test_acc")) for n, e in sorted(final.items())))
        finished = sum(1 for t in trials if t.state.is_finished)
        counts = (len(trials), finished)
        with self._lock:
            cached = self._experiments.setdefault(record.id, _ExperimentRows())
            if cached.key != key:
                cached.key, cached.finished, cached.last = key, {}, None
            last = cached.last if cached.counts == counts else None
            if last is not None and finished == len(trials):
                return last  # nothing ran, finished or changed since
            known = dict(cached.finished)
        rows: list[Row] = []
        new: dict[int, Row] = {}
        for trial in trials:
            row = known.get(trial.id)
            if row is None:
                row = trial_row(trial, final, picked)
                if trial.state.is_finished:
                    new[trial.id] = row
            rows.append(row)
        # Ranks move only when a trial starts or finishes (running ones rank by number).
        table = TrialRows(rows, last.ranks if last is not None else rank_of(trials))
        with self._lock:
            if cached.key == key:
                cached.finished.update(new)
                cached.counts, cached.last = counts, table
        return table


def _picked(record: ExperimentRecord) -> int | None:
    picked = record.attrs.get("picked")
    return int(picked["trial"]) if isinstance(picked, Mapping) and "trial" in picked else None


def parse_query(params: Mapping[str, str]) -> TableQuery:
    """``?sort=value&order=desc&state=COMPLETE,PRUNED&stage=tuning&q=conv&page=2&size=50``."""
    try:
        page, size = int(params.get("page") or 1), int(params.get("size") or 50)
    except ValueError:
        raise TableQueryError("page and size must be whole numbers") from None
    states = frozenset(
        s.strip().upper() for s in (params.get("state") or "").split(",") if s.strip()
    )
    return TableQuery(
        sort=params.get("sort") or "rank",
        order=params.get("order") or "asc",
        states=states,
        stage=params.get("stage") or None,
        text=(params.get("q") or "").strip(),
        page=page,
        size=size,
    )
