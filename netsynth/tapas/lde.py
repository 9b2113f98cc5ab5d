"""The Lifelong Database of Experiments (LDE): every trained network of every experiment, on
any dataset, as an ``LDERecord``, kept in the storage's ``lde_records`` table (SQLite or
PostgreSQL; ``"memory"`` keeps it in this process). Several experiments may share one LDE by
naming the same URL. The seed records shipped with netsynth are always part of what it reads.

>>> lde = LifelongDatabase("memory", include_seed=False)
>>> lde.add([LDERecord("a", 0.30, 10, (1, 40), {"space": "chain", "layers": []}, {}, 0.5),
...          LDERecord("b", 0.40, 10, (1, 40), {"space": "chain", "layers": []}, {}, 0.4)])
>>> [r.dataset for r in lde.near(0.33, tau=0.05)]
['a']
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from typing import Any

from netsynth.tapas.lde_record import LDERecord

__all__ = ["DEFAULT_TAU", "LDERecord", "LifelongDatabase"]

DEFAULT_TAU = 0.05


class LifelongDatabase:
    def __init__(self, url: str | None = "memory", *, include_seed: bool = True) -> None:
        self.url = url or "memory"
        self.include_seed = include_seed
        self._memory: list[LDERecord] = []
        self._seed: list[LDERecord] | None = None
        self._engine: Any = None
        if self.url not in ("memory", ":memory:"):
            from netsynth.storage.url import open_storage

            open_storage(self.url).close()  # creates or upgrades the schema (lde_records: v3)
            from netsynth.storage.sql_engine import make_engine

            url = self.url if "://" in self.url else f"sqlite:///{self.url}"
            self._engine = make_engine(url)

    def add(self, records: Sequence[LDERecord]) -> None:
        """Append records (never rewritten: the LDE only grows)."""
        if self._engine is None:
            self._memory.extend(records)
            return
        from netsynth.storage.sql_schema import lde_records

        now = time.time()
        rows = [
            {
                "dataset": r.dataset,
                "dcn": r.dcn,
                "record": json.dumps(r.to_dict()),
                "created_at": now,
            }
            for r in records
        ]
        if rows:
            with self._engine.begin() as conn:
                conn.execute(lde_records.insert(), rows)

    def stored(self, *, low: float = 0.0, high: float = 1.0) -> list[LDERecord]:
        """The records added to this LDE (not the seed) with low <= DCN <= high."""
        if self._engine is None:
            return [r for r in self._memory if low <= r.dcn <= high]
        from sqlalchemy import select

        from netsynth.storage.sql_schema import lde_records

        query = (
            select(lde_records.c.record)
            .where(lde_records.c.dcn >= low, lde_records.c.dcn <= high)
            .order_by(lde_records.c.id)
        )
        with self._engine.connect() as conn:
            return [LDERecord.from_dict(json.loads(row[0])) for row in conn.execute(query)]

    def records(self) -> list[LDERecord]:
        """Everything: the seed records, then the stored ones."""
        return self.seed() + self.stored()

    def seed(self) -> list[LDERecord]:
        if not self.include_seed:
            return []
        if self._seed is None:
            from netsynth.tapas.seed_lde import load_seed

            self._seed = load_seed()
        return self._seed

    def near(self, dcn: float, *, tau: float = DEFAULT_TAU) -> list[LDERecord]:
        """Every record of a dataset whose DCN is within ``tau`` of ``dcn`` (inclusive)."""
        low, high = dcn - tau, dcn + tau
        return [r for r in self.seed() if low <= r.dcn <= high] + self.stored(low=low, high=high)

    def datasets(self) -> dict[str, tuple[float, int]]:
        """dataset id -> (DCN, number of records)."""
        out: dict[str, tuple[float, int]] = {}
        for r in self.records():
            out[r.dataset] = (r.dcn, out.get(r.dataset, (r.dcn, 0))[1] + 1)
        return out

    def close(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
