"""A large finished architecture search written straight into the SQL tables, as the SQL
storage writes them: for the dashboard's tests and benchmark (through the storage API, 10,000
trials with their reports take minutes; one transaction takes seconds)."""

from __future__ import annotations

import json
import time

import numpy as np
from sqlalchemy import create_engine

from netsynth.space.architecture_space import make_architecture_space
from netsynth.storage import open_storage
from netsynth.storage.sql_schema import reports, trials


def write_big_experiment(url: str, name: str = "big", count: int = 10_000, steps: int = 5) -> int:
    """``count`` trials of a chain-space search (every fifth PRUNED at rung 1, the rest
    COMPLETE), each with ``steps`` reports; returns the experiment's id. Trial ``n`` has
    ``val_acc`` drawn from seed 0, ``params`` metric ``1000 + n`` and one parameter ``lr``."""
    storage = open_storage(url)
    config = {"objective": {"metric": "val_acc", "direction": "maximize"}, "seed": 0}
    record = storage.create_experiment(name, {**config, "architecture": {"type": "chain"}})
    storage.close()
    space = make_architecture_space({"type": "chain"})
    rng = np.random.default_rng(0)
    genotypes = [space.sample(rng) for _ in range(40)]
    now = time.time()
    trial_rows, report_rows = [], []
    first_id = record.id * 1_000_000  # trial ids of different experiments never collide
    for number in range(count):
        genotype, acc = genotypes[number % 40], float(rng.random())
        attrs = {"genotype": genotype.to_dict(), "architecture": genotype.describe()}
        metrics = {"val_acc": acc, "params": 1e3 + number, "flops": 1e5, "latency_ms": 0.1}
        pruned = number % 5 == 0
        trial_rows.append(
            {
                "id": first_id + number,
                "experiment_id": record.id,
                "number": number,
                "state": "PRUNED" if pruned else "COMPLETE",
                "params": json.dumps({"lr": float(rng.random())}),
                "distributions": "{}",
                "value": acc,
                "metrics": json.dumps(metrics),
                "fidelity": "{}",
                "rung": number % 3,
                "reason": "stopped at rung 1" if pruned else None,
                "attrs": json.dumps(attrs),
                "report_count": steps,
                "created_at": now,
                "finished_at": now + 1.0,
            }
        )
        report_rows += [
            {
                "trial_id": first_id + number,
                "step": step,
                "metrics": json.dumps({"val_acc": acc * step / steps}),
                "created_at": now,
            }
            for step in range(1, steps + 1)
        ]
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(trials.insert(), trial_rows)
        connection.execute(reports.insert(), report_rows)
    engine.dispose()
    return record.id


__all__ = ["write_big_experiment"]
