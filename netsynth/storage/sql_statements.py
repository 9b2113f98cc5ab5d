"""The SQL storage's hot-path statements, built once: constructing a SQLAlchemy statement
costs more than running it on SQLite."""

from __future__ import annotations

from sqlalchemy import bindparam, func, insert, select, update

from netsynth.storage.sql_schema import experiments, reports, trials
from netsynth.trial_record import TrialState

RUNNING = TrialState.RUNNING.value
TAKE_NUMBER = (
    update(experiments)
    .where(experiments.c.id == bindparam("eid"))
    .values(
        trial_counter=experiments.c.trial_counter + 1,
        active_trials=experiments.c.active_trials + 1,
    )
    .returning(experiments.c.trial_counter, experiments.c.active_trials)
)
INSERT_TRIAL = insert(trials).returning(trials.c.id)
TRIAL_STATE = select(trials.c.state, trials.c.number).where(trials.c.id == bindparam("tid"))
TRIAL_ATTRS = select(trials.c.attrs).where(trials.c.id == bindparam("tid"))
RETRY_CANDIDATES = select(trials.c.attrs).where(
    (trials.c.experiment_id == bindparam("eid"))
    & (trials.c.number > bindparam("number"))
    & trials.c.attrs.like(bindparam("pattern"))
)
RUNNING_TRIAL = (trials.c.id == bindparam("tid")) & (trials.c.state == RUNNING)
COUNT_REPORT = update(trials).where(RUNNING_TRIAL).values(report_count=trials.c.report_count + 1)
INSERT_REPORT = insert(reports)
FINISH = (
    update(trials)
    .where(RUNNING_TRIAL)
    .values(
        state=bindparam("state"),
        value=bindparam("value"),
        metrics=bindparam("metrics"),
        reason=bindparam("reason"),
        finished_at=bindparam("finished_at"),
    )
)
FINISH_WITH_PARAMS = FINISH.values(
    params=bindparam("params"), distributions=bindparam("distributions")
)
RELEASE_ACTIVE = (
    update(experiments)
    .where(
        experiments.c.id
        == select(trials.c.experiment_id).where(trials.c.id == bindparam("tid")).scalar_subquery()
    )
    .values(active_trials=experiments.c.active_trials - 1)
)
# What a cached history lacks, in two statements, each a seek on an index: the trials added
# since the cache's newest (a range on ``ix_trials_experiment_id``) and the cached ones that were
# still running (primary keys). One statement with ``id > :max_id OR id IN (...)`` makes the
# planners scan every trial of the experiment, so reading the history grew with its length.
NEW_TRIALS = (
    select(trials)
    .where(trials.c.experiment_id == bindparam("eid"), trials.c.id > bindparam("max_id"))
    .order_by(trials.c.id)
)
TRIALS_BY_ID = (
    select(trials).where(trials.c.id.in_(bindparam("ids", expanding=True))).order_by(trials.c.id)
)
REPORTS_OF = (
    select(reports.c.trial_id, reports.c.step, reports.c.metrics)
    .where(reports.c.trial_id.in_(bindparam("ids", expanding=True)))
    .order_by(reports.c.id)
)
HEARTBEAT = (
    update(trials)
    .where(trials.c.id.in_(bindparam("ids", expanding=True)), trials.c.state == RUNNING)
    .values(heartbeat_at=bindparam("now"))
)
STALE_TRIALS = select(trials.c.id).where(
    trials.c.experiment_id == bindparam("eid"),
    trials.c.state == RUNNING,
    func.coalesce(trials.c.heartbeat_at, trials.c.created_at) < bindparam("cutoff"),
)
