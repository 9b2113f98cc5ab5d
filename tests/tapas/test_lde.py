from __future__ import annotations

import sqlite3
from pathlib import Path

import numpy as np
import pytest

from netsynth.storage import SCHEMA_VERSION, open_storage
from netsynth.tapas.lde import LifelongDatabase
from netsynth.tapas.lde_record import LDERecord

CHAIN = {"space": "chain", "layers": [{"op": "conv", "width": 8, "kernel": 3}]}


def _records(dcns: list[float]) -> list[LDERecord]:
    return [
        LDERecord(f"d{i}", dcn, 10, (1, 40), CHAIN, {"epochs": 2}, 0.5, [0.3, 0.5], 100, "t")
        for i, dcn in enumerate(dcns)
    ]


@pytest.fixture(params=["memory", "sqlite"])
def lde(request: pytest.FixtureRequest, tmp_path: Path) -> LifelongDatabase:
    url = "memory" if request.param == "memory" else f"sqlite:///{tmp_path / 'lde.db'}"
    return LifelongDatabase(url, include_seed=False)


def test_near_returns_exactly_the_records_within_tau(lde: LifelongDatabase) -> None:
    dcns = list(np.random.default_rng(0).uniform(0, 1, 200))
    lde.add(_records(dcns))
    for target, tau in ((0.5, 0.05), (0.1, 0.2), (0.97, 0.01)):
        got = sorted(r.dcn for r in lde.near(target, tau=tau))
        assert got == sorted(d for d in dcns if abs(d - target) <= tau)
    assert lde.stored()[0] == _records(dcns)[0]  # a record round-trips whole


def test_several_experiments_share_one_sqlite_lde(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'shared.db'}"
    LifelongDatabase(url, include_seed=False).add(_records([0.2]))
    LifelongDatabase(url, include_seed=False).add(_records([0.3]))
    assert [r.dcn for r in LifelongDatabase(url, include_seed=False).stored()] == [0.2, 0.3]
    assert len(LifelongDatabase(url).records()) > 2  # plus the shipped seed records


def test_a_v2_database_is_upgraded_and_keeps_its_experiments(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    storage = open_storage(f"sqlite:///{path}")
    storage.create_experiment("kept", {})
    storage.close()
    with sqlite3.connect(path) as conn:  # make it look like a v2 file
        conn.execute("DROP TABLE lde_records")
        conn.execute("UPDATE netsynth_meta SET value = '2' WHERE key = 'schema_version'")
    lde = LifelongDatabase(f"sqlite:///{path}", include_seed=False)
    lde.add(_records([0.4]))
    assert len(lde.stored()) == 1
    with sqlite3.connect(path) as conn:
        version = conn.execute("SELECT value FROM netsynth_meta").fetchone()[0]
    assert version == str(SCHEMA_VERSION) == "3"
    assert [e.name for e in open_storage(f"sqlite:///{path}").list_experiments()] == ["kept"]
