"""Asynchronous successive halving (ASHA; Li et al., MLSys 2020), in brackets (Hyperband).

Rungs are budgets of one fidelity, from the top down: ``max_resource``, then ``/η``, ``/η²``...
while at least ``min_resource``. A trial of bracket ``b`` starts at rung ``b`` (bracket 0 at the
smallest budget); at each rung below the top it goes on only if its value there ranks in the top
``1/η`` of the bracket's trials that reached the rung, and only while fewer than
``ceil(n/η)`` of those ``n`` went on: a rung never promotes more than its share. Decisions
read the trial records alone (bracket and rung are fields of the record; each stop's reason is
stored), so they are the same after a resume.

How a trial climbs depends on the fidelity:

* ``epochs`` (the report step): one trial trains for ``max_resource`` epochs and is judged as
  its reports pass each rung; a trial that does not go on is stopped there (as in Ray Tune's
  ASHA), so promotion costs nothing extra.
* ``data_fraction`` / ``width_multiplier``: each rung is a trial of its own at that fidelity.
  When a slot frees up, the best not-yet-promoted trial in the top ``1/η`` of a finished rung
  (top rungs first) is run again one rung up (``attrs["promoted_from"]`` names it), as long as
  fewer than ``floor(n/η)`` of the rung's ``n`` finished trials went up; otherwise a new
  candidate starts at its bracket's lowest rung, as in the ASHA paper.

Brackets take new candidates in Hyperband's proportions (with ``K`` halvings from the lowest
rung, bracket ``b`` gets ``ceil((K+1)/(K+1-b) · η^(K-b))`` shares, so every bracket spends
about the same budget), each to the bracket furthest behind its share.
``extrapolation`` (settings of the ``curve`` scheduler) additionally stops a trial whose learning
curve is unlikely to beat the best finished trial (epochs only).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from netsynth.candidate import Candidate
from netsynth.objective import Objective
from netsynth.schedulers.base import BaseScheduler
from netsynth.schedulers.curve_extrapolation import CurveExtrapolation
from netsynth.schedulers.fidelity import FRACTIONS, check_fidelity
from netsynth.schedulers.scheduler import CONTINUE, Decision, Placement
from netsynth.trial_record import RETRY_OF, TrialRecord, TrialState
from netsynth.trial_reports import value_at

PROMOTED_FROM = "promoted_from"


class SuccessiveHalving(BaseScheduler):
    name = "asha"
    setting_names = (
        "resource",
        "max_resource",
        "min_resource",
        "reduction_factor",
        "brackets",
        "extrapolation",
    )

    def __init__(
        self,
        objective: Objective | None = None,
        *,
        resource: str = "epochs",
        max_resource: float | None = None,
        min_resource: float | None = None,
        reduction_factor: int = 3,
        brackets: int | None = 1,
        extrapolation: Mapping[str, Any] | None = None,
    ) -> None:
        check_fidelity(resource)
        if reduction_factor < 2:
            raise ValueError(
                f"reduction_factor (η) must be an integer >= 2, got {reduction_factor}"
            )
        fraction = resource in FRACTIONS
        if max_resource is None:
            if not fraction:
                raise ValueError(
                    f"{self.name}: set max_resource, the {resource} a trial gets at most"
                )
            max_resource = 1.0
        if min_resource is None:
            min_resource = 1 if not fraction else max_resource / reduction_factor**2
        if min_resource <= 0:
            raise ValueError(f"min_resource must be > 0, got {min_resource}")
        if min_resource > max_resource:
            raise ValueError(
                f"min_resource {min_resource:g} is larger than max_resource {max_resource:g}"
            )
        if fraction and max_resource > 1:
            raise ValueError(f"{resource} is a fraction: max_resource must be <= 1")
        if not fraction and (max_resource != int(max_resource) or min_resource < 1):
            raise ValueError(f"{resource}: min_resource and max_resource must be whole numbers")
        super().__init__(objective)
        self.resource = resource
        self.max_resource = max_resource if fraction else int(max_resource)
        self.min_resource = min_resource if fraction else int(min_resource)
        self.eta = int(reduction_factor)
        self.rungs = _rungs(self.min_resource, self.max_resource, self.eta, integer=not fraction)
        top = len(self.rungs)
        if brackets is None:
            brackets = top
        if not 1 <= brackets <= top:
            raise ValueError(f"brackets must be between 1 and {top} (the rungs), got {brackets}")
        self.brackets = int(brackets)
        self.promotes = fraction  # each rung a trial of its own
        self.extrapolation = dict(extrapolation) if extrapolation is not None else None
        self._curve = None
        if self.extrapolation is not None:
            if self.promotes:
                raise ValueError("extrapolation needs the epochs resource (one learning curve)")
            self._curve = CurveExtrapolation(self.objective, **self.extrapolation)
        k = top - 1  # halvings in bracket 0
        self._shares = [
            math.ceil((k + 1) / (k + 1 - b) * self.eta ** (k - b)) for b in range(self.brackets)
        ]

    @property
    def reduction_factor(self) -> int:
        """η: a rung lets on the top ``1/η`` of the trials that reached it."""
        return self.eta

    # -- placing new candidates --------------------------------------------------------------

    def promotion(self, history: Sequence[TrialRecord]) -> tuple[TrialRecord, Placement] | None:
        """The trial to run again one rung up, if any (fraction fidelities only)."""
        if not self.promotes:
            return None
        promoted = {t.attrs.get(PROMOTED_FROM) for t in history}
        for bracket in range(self.brackets):
            for rung in range(len(self.rungs) - 2, bracket - 1, -1):
                done = [
                    t
                    for t in history
                    if t.bracket == bracket
                    and t.rung == rung
                    and t.state is TrialState.COMPLETE
                    and t.value is not None
                ]
                share = len(done) // self.eta
                went_on = sum(1 for t in done if t.number in promoted)
                if went_on >= share:
                    continue  # the rung's share is used up (the ranking may have moved)
                for trial in self._ranked(done)[:share]:
                    if trial.number not in promoted:
                        return trial, self._placement(bracket, rung + 1)
        return None

    def assign(self, candidate: Candidate, history: Sequence[TrialRecord]) -> Placement:
        counts = [0] * self.brackets
        for trial in history:
            if trial.bracket is not None and trial.bracket < self.brackets:
                # a promotion or a retry (of a lost trial) is no new candidate: counting it
                # would place the candidates after a resume in other brackets
                if PROMOTED_FROM not in trial.attrs and RETRY_OF not in trial.attrs:
                    counts[trial.bracket] += 1
        bracket = min(range(self.brackets), key=lambda b: (counts[b] / self._shares[b], b))
        return self._placement(bracket, bracket)

    def _placement(self, bracket: int, rung: int) -> Placement:
        budget = self.rungs[rung] if self.promotes else self.max_resource
        return Placement({self.resource: budget}, bracket=bracket, rung=rung)

    # -- judging reports ---------------------------------------------------------------------

    def on_report(self, trial: TrialRecord, history: Sequence[TrialRecord]) -> Decision:
        if self.promotes or trial.bracket is None or trial.rung is None or not trial.reports:
            return CONTINUE
        step = trial.reports[-1].step
        rung = trial.rung
        while rung < len(self.rungs) - 1 and step >= self.rungs[rung]:
            stop = self._judge(trial, history, rung)
            if stop is not None:
                return Decision(stop=True, rung=rung, reason=stop)
            rung += 1
        decision = Decision(rung=rung)
        if self._curve is not None:
            best = self.objective.best(history)
            if best is not None and best.value is not None:
                judged = self._curve.judge(trial, best.value, int(self.max_resource))
                if judged.stop:
                    return Decision(stop=True, rung=rung, reason=judged.reason)
        return decision

    def _judge(self, trial: TrialRecord, history: Sequence[TrialRecord], rung: int) -> str | None:
        """Why ``trial`` stops at ``rung`` (None: it goes on)."""
        milestone = self.rungs[rung]
        metric = self.objective.metric
        reached = []
        for other in history:
            if other.bracket != trial.bracket or other.state is TrialState.FAILED:
                continue
            if value_at(other, metric, int(milestone)) is not None:
                reached.append(other)
        ranked = [t.id for t in self._ranked(reached, milestone)]
        if trial.id not in ranked:
            return None  # no value of the objective at this rung: nothing to judge
        share = math.ceil(len(reached) / self.eta)
        went_on = sum(
            1 for t in reached if t.id != trial.id and t.rung is not None and t.rung > rung
        )
        position = ranked.index(trial.id)
        if position < share and went_on < share:
            return None
        value = value_at(trial, metric, int(milestone))
        why = (
            f"{went_on} of them went on already"
            if position < share
            else f"it ranked {position + 1} of {len(reached)}"
        )
        return (
            f"{self.name}: rung {rung} ({self.resource} {milestone:g}), {metric} {value:.4g}; "
            f"{share} of {len(reached)} may go on (1/{self.eta}) and {why}"
        )

    def _ranked(
        self, trials: Sequence[TrialRecord], milestone: float | None = None
    ) -> list[TrialRecord]:
        """Best first (by the value at ``milestone``, or the final value); ties: lower number."""

        def key(trial: TrialRecord) -> tuple[float, int]:
            if milestone is None:
                value = trial.value
            else:
                value = value_at(trial, self.objective.metric, int(milestone))
            assert value is not None
            return self.objective.sort_key(value), trial.number

        return sorted(trials, key=key)


def _rungs(low: float, high: float, eta: int, *, integer: bool) -> list[float]:
    """Budgets from the top down (high, high/η, ...) while >= low, returned ascending."""
    rungs: list[float] = []
    budget = float(high)
    while budget >= low * (1 - 1e-9):
        value = float(max(round(budget), 1)) if integer else budget
        if not rungs or value < rungs[-1]:
            rungs.append(value)
        budget /= eta
    return rungs[::-1]
