"""Retries: a trial whose worker was lost or died runs again with the same candidate.

A retry is a new trial (the failed one stays as it finished: finished trials never change)
whose attrs name the trial it retries (``retry_of``) and the whole chain of earlier attempts
(``retry_history``: number and reason of each). Which trials still need a retry is read from
history on every pass, so a driver that resumes after a crash retries what its predecessor
had not yet retried. Storage creates at most one retry of a trial (``create_trial``'s
``retry_of``), so two drivers that see the same lost trial at the same moment retry it once:
the second one is told ``RetryExistsError`` and moves on.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from netsynth.storage.storage import DraftFactory, TrialDraft
from netsynth.trial_record import LOST_WORKER, TrialRecord, TrialState
from netsynth.trial_record import RETRY_OF as RETRY_OF  # re-exported: the runner's name

RETRY_HISTORY = "retry_history"
WORKER_DIED = "worker process died"  # the process pool's reason for a crashed worker
PROPOSED_PARAMS = "proposed_params"  # define-by-run: the strategy's point, the trial's hints


def is_retryable(trial: TrialRecord) -> bool:
    """FAILED because its process went away, not because the objective raised."""
    reason = trial.reason or ""
    return trial.state is TrialState.FAILED and (
        reason.startswith(LOST_WORKER) or reason.startswith(WORKER_DIED)
    )


def attempts_before(trial: TrialRecord) -> list[dict[str, Any]]:
    history = trial.attrs.get(RETRY_HISTORY)
    return list(history) if isinstance(history, list) else []


def first_attempt(trial: TrialRecord) -> int | None:
    """The number of the first attempt of a retried trial's candidate (None: not a retry)."""
    history = attempts_before(trial)
    return int(history[0]["trial"]) if history else None


def pending_retries(history: Sequence[TrialRecord], max_retries: int) -> list[TrialRecord]:
    """Retryable trials that have attempts left and no retry yet, oldest first."""
    if max_retries <= 0:
        return []
    retried = {t.attrs.get(RETRY_OF) for t in history}
    return [
        t
        for t in history
        if is_retryable(t) and t.number not in retried and len(attempts_before(t)) < max_retries
    ]


def retry_draft(trial: TrialRecord, *, declared: bool) -> DraftFactory:
    """The same candidate, fidelity and placement again. ``declared``: the space declares
    the params (define-by-run trials start empty and suggest them again)."""
    attempt = {"trial": trial.number, "reason": trial.reason}
    attrs = {
        **{k: v for k, v in trial.attrs.items() if k not in (RETRY_OF, RETRY_HISTORY)},
        RETRY_OF: trial.number,
        RETRY_HISTORY: [*attempts_before(trial), attempt],
    }
    draft = TrialDraft(
        params=dict(trial.params) if declared else {},
        distributions=dict(trial.distributions) if declared else {},
        fidelity=dict(trial.fidelity),
        bracket=trial.bracket,
        rung=trial.rung,
        attrs=attrs,
    )
    return lambda number: draft
