"""Tables of the SQL storage. JSON lives in TEXT columns so that ±inf and NaN inside metrics
survive on every backend (PostgreSQL's JSON types reject them)."""

from __future__ import annotations

from sqlalchemy import (
    Column,
    Connection,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
    update,
)

metadata = MetaData()

meta = Table(
    "netsynth_meta",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)

experiments = Table(
    "experiments",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(255), nullable=False, unique=True),
    Column("state", String(16), nullable=False),
    Column("reason", Text),
    Column("config", Text, nullable=False),
    Column("attrs", Text, nullable=False),
    Column("state_log", Text, nullable=False),
    # The next trial number; incremented in the same transaction that inserts the trial.
    Column("trial_counter", Integer, nullable=False, default=0),
    # Trials that did not fail (RUNNING, COMPLETE, PRUNED): what ``limit`` in create_trial caps.
    Column("active_trials", Integer, nullable=False, default=0),
    Column("created_at", Float(precision=53), nullable=False),
    Column("updated_at", Float(precision=53), nullable=False),
)

trials = Table(
    "trials",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("experiment_id", Integer, ForeignKey("experiments.id"), nullable=False),
    Column("number", Integer, nullable=False),
    Column("state", String(16), nullable=False),
    Column("params", Text, nullable=False),
    Column("distributions", Text, nullable=False),
    Column("value", Float(precision=53)),
    Column("metrics", Text, nullable=False),
    Column("fidelity", Text, nullable=False),
    Column("bracket", Integer),
    Column("rung", Integer),
    Column("reason", Text),
    Column("attrs", Text, nullable=False),
    Column("worker", String(255)),
    Column("report_count", Integer, nullable=False, default=0),
    Column("created_at", Float(precision=53), nullable=False),
    Column("finished_at", Float(precision=53)),
    # The worker's last sign of life while RUNNING (schema v2); the reaper fails stale ones.
    Column("heartbeat_at", Float(precision=53)),
    UniqueConstraint("experiment_id", "number", name="uq_trials_experiment_number"),
    Index("ix_trials_experiment_state", "experiment_id", "state"),
    # Reading only the trials added since a given one stays a seek however long the history.
    Index("ix_trials_experiment_id", "experiment_id", "id"),
)

reports = Table(
    "reports",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("trial_id", Integer, ForeignKey("trials.id"), nullable=False, index=True),
    Column("step", Integer, nullable=False),
    Column("metrics", Text, nullable=False),
    Column("created_at", Float(precision=53), nullable=False),
)

# The lifelong database of experiments (schema v3): one row per trained network, any experiment,
# any dataset (netsynth.tapas.lde).
lde_records = Table(
    "lde_records",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("dataset", String(255), nullable=False),
    Column("dcn", Float(precision=53), nullable=False, index=True),
    Column("record", Text, nullable=False),
    Column("created_at", Float(precision=53), nullable=False),
)


def upgrade(conn: Connection, version: int) -> None:
    """Bring a database written at schema ``version`` up to the current one, inside the
    caller's write transaction. Claiming the version row first makes the upgrade run once
    even when several processes open the same old database together."""
    if version < 2:
        claimed = conn.execute(
            update(meta)
            .where(meta.c.key == "schema_version", meta.c.value == str(version))
            .values(value="2")
        )
        if claimed.rowcount == 1:
            # DOUBLE PRECISION is Float(precision=53) on PostgreSQL; SQLite takes it as REAL.
            conn.execute(text("ALTER TABLE trials ADD COLUMN heartbeat_at DOUBLE PRECISION"))
    if version < 3:
        # v3 only adds lde_records, which create_all has just made; claim the version row.
        conn.execute(
            update(meta)
            .where(meta.c.key == "schema_version", meta.c.value.in_(["1", "2"]))
            .values(value="3")
        )
    # Indexes added since (create_all makes them only with a new table): lookups only, so a
    # file that lacks one is still read correctly, just more slowly, by any version.
    for index in trials.indexes:
        index.create(conn, checkfirst=True)
