"""Optuna's samplers (TPE, GP-based BO, CMA-ES, NSGA-II) as netsynth strategies.

Each proposal asks an in-memory Optuna study that mirrors netsynth's trial history; nothing of
Optuna's is ever persisted. netsynth's history stays the only record, and a proposal is a pure
function of (seed, history, trial number):

* The study holds exactly one Optuna trial per netsynth trial, in trial-number order, built from
  the netsynth record alone (its state, params, value or values, reports, and the Optuna notes
  that its proposal left in ``attrs["optuna"]``; see below). It is kept between calls and only
  grows: trials that appear are appended, running trials that finish are finished in place.
  Whenever the history disagrees with the mirror (a proposal that did not become that trial,
  a changed search space, a history from elsewhere), the study is rebuilt from the history, so
  an uninterrupted run and one resumed from storage ask the very same study.
* Every proposal uses a freshly built sampler seeded from (seed, trial number): no random
  state, and no cache a sampler keeps between calls (the GP sampler's kernel warm start, the
  samplers' search-space caches), carries over from one proposal to the next.
* What a sampler writes into Optuna's storage while sampling (trial and study "system attrs":
  TPE's and GP's relative params that the constant liar reads for running trials, NSGA-II's
  generation and its cached parent population, CMA-ES's generation and its pickled optimizer,
  hex-encoded in chunks, once per generation) is returned in ``Candidate.attrs["optuna"]``,
  normalized to JSON, and written back into the study when the study is rebuilt. CMA-ES thus
  resumes with the optimizer it had; nothing is re-derived.

Values: TPE, GP and CMA-ES maximize ``Goal.score`` (the objective turned so that larger is
better, constraint-breaking trials below every feasible one), except that the GP sampler gets
the oriented objective with the constraint violation as an Optuna constraint (the huge negative
scores of infeasible trials would ruin its standardized regression). NSGA-II gets
``Goal.values`` with each objective's direction, and the violation as its constraint. Running
trials are RUNNING (the constant liar of TPE and GP sees them), failed ones FAIL, pruned ones
PRUNED with their reports of the objective metric as intermediate values, and COMPLETE trials
without a usable value FAIL.

Conditional parameters: only the active ones are suggested, in space order, so parents come
before their children. TPE runs multivariate, and grouped (``group=True``) once the finished
trials differ in their parameters, so that each group of parameters that occur together is
modelled jointly (grouping costs a pass over every trial, so it is left off while all trials have
the same parameters, where it would change nothing). GP, CMA-ES and NSGA-II model the parameters
every trial has and sample the others with Optuna's random sampler (their default).

Speed: a proposal costs what the sampler itself costs on the history; the adapter adds a pass
over the history and, on the first proposal of a process or after a mismatch, the building of
the study (a few hundred milliseconds for 1000 trials).

>>> from netsynth.space import SearchSpace, FloatDistribution
>>> space = SearchSpace({"x": FloatDistribution(-1.0, 1.0)})
>>> TPE(seed=3).propose(space, [], [0]) == TPE(seed=3).propose(space, [], [0])
True
"""

from __future__ import annotations

import hashlib
import importlib.util
import inspect
import json
import logging
import math
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import pairwise
from typing import Any, ClassVar

import optuna
from optuna.distributions import BaseDistribution
from optuna.samplers import BaseSampler
from optuna.search_space import IntersectionSearchSpace
from optuna.study import StudyDirection
from optuna.trial import FrozenTrial
from optuna.trial import TrialState as OptunaState

from netsynth.objective import Direction
from netsynth.space.distributions import (
    CategoricalDistribution,
    Distribution,
    FloatDistribution,
    IntDistribution,
    ParamValue,
)
from netsynth.space.search_space import SearchSpace
from netsynth.strategies.base import BaseStrategy
from netsynth.strategies.context import StrategyContext
from netsynth.strategies.goal import Goal
from netsynth.strategies.regularized_evolution import trial_rng
from netsynth.strategies.strategy import Candidate
from netsynth.trial_record import TrialRecord, TrialState

try:  # where Optuna's samplers look for a trial's constraint values
    from optuna.study._constrained_optimization import _CONSTRAINTS_KEY
except ImportError:  # pragma: no cover - the key has been "constraints" in every release
    _CONSTRAINTS_KEY = "constraints"

_DEDUPE_RETRIES = 20
ATTRS_KEY = "optuna"  # Candidate.attrs[ATTRS_KEY]: what the sampler wrote while proposing


@contextmanager
def _quiet() -> Iterator[None]:
    """No Optuna log lines (study created, independent sampling...) nor warnings
    (ExperimentalWarning, deprecations) while the adapter drives Optuna."""
    logger = logging.getLogger("optuna")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        logger.setLevel(level)


def _derived_seed(seed: int, number: int) -> int:
    digest = hashlib.blake2b(f"{seed}:{number}:optuna".encode(), digest_size=4).digest()
    return int.from_bytes(digest, "little")


def _jsonable(value: Any) -> Any:
    """``value`` as it reads back from JSON (tuples become lists, NumPy scalars numbers)."""

    def convert(obj: Any) -> Any:
        for method in ("tolist", "item"):  # NumPy arrays and scalars
            if callable(getattr(obj, method, None)):
                return getattr(obj, method)()
        raise TypeError(f"{type(obj).__name__} is not JSON serializable")

    return json.loads(json.dumps(value, default=convert))


class _ParamMap:
    """netsynth's distributions as Optuna's, and values both ways."""

    def __init__(self, space: SearchSpace) -> None:
        self.space = space
        self.optuna: dict[str, BaseDistribution] = {}
        # Categorical choices are passed as they are unless two of them are equal to Python
        # (1 and True, 1 and 1.0), which Optuna, finding choices by ``==``, would confuse;
        # those are passed as indices.
        self.by_index: set[str] = set()
        for name, dist in space.items():
            self.optuna[name] = self._convert(name, dist)

    def _convert(self, name: str, dist: Distribution) -> BaseDistribution:
        if isinstance(dist, FloatDistribution):
            return optuna.distributions.FloatDistribution(
                dist.low, dist.high, log=dist.log, step=dist.step
            )
        if isinstance(dist, IntDistribution):
            return optuna.distributions.IntDistribution(
                dist.low, dist.high, log=dist.log, step=dist.step
            )
        choices = dist.choices
        if any(a == b for i, a in enumerate(choices) for b in choices[i + 1 :]):
            self.by_index.add(name)
            return optuna.distributions.CategoricalDistribution(tuple(range(len(choices))))
        return optuna.distributions.CategoricalDistribution(choices)

    def suggest(self, trial: optuna.Trial, name: str) -> Any:
        dist = self.optuna[name]
        if isinstance(dist, optuna.distributions.FloatDistribution):
            return trial.suggest_float(name, dist.low, dist.high, step=dist.step, log=dist.log)
        if isinstance(dist, optuna.distributions.IntDistribution):
            return trial.suggest_int(name, dist.low, dist.high, step=dist.step, log=dist.log)
        assert isinstance(dist, optuna.distributions.CategoricalDistribution)
        return trial.suggest_categorical(name, dist.choices)

    def to_netsynth(self, name: str, value: Any) -> ParamValue:
        dist = self.space[name]
        if isinstance(dist, CategoricalDistribution):
            return dist.choices[int(value)] if name in self.by_index else value
        if isinstance(dist, IntDistribution):
            return int(value)
        return float(value)

    def to_optuna(self, name: str, value: ParamValue) -> Any:
        """The value Optuna stores for ``value`` (assumed inside the netsynth distribution)."""
        dist = self.space[name]
        if isinstance(dist, CategoricalDistribution):
            if name not in self.by_index:
                return value
            return next(
                i for i, c in enumerate(dist.choices) if type(c) is type(value) and c == value
            )
        if isinstance(dist, IntDistribution):
            return int(value)  # type: ignore[arg-type]
        target = self.optuna[name]
        assert isinstance(target, optuna.distributions.FloatDistribution)
        number = float(value)  # type: ignore[arg-type]
        if target.step is not None:
            k = (number - target.low) / target.step
            if abs(k - round(k)) >= 1e-8:  # netsynth tolerates more than Optuna does
                number = target.low + round(k) * target.step
        return min(max(number, target.low), target.high)

    def params_of(self, params: Mapping[str, ParamValue]) -> dict[str, Any]:
        """The active params of a netsynth trial that lie in the space, in Optuna's terms."""
        kept: dict[str, ParamValue] = {}
        for name, dist in self.space.items():
            if name in params and self.space.is_active(name, kept) and dist.contains(params[name]):
                kept[name] = params[name]
        return {name: self.to_optuna(name, value) for name, value in kept.items()}


@dataclass
class _Entry:
    """One mirrored trial: its netsynth number and (once seen) id, and what it was built from."""

    number: int
    record_id: int | None
    finished: bool
    params: dict[str, Any]
    notes: dict[str, Any] | None


@dataclass(frozen=True)
class _Outcome:
    state: OptunaState
    values: list[float] | None = None
    constraints: list[float] | None = None
    intermediate: dict[int, float] | None = None


class _Mirror:
    """An in-memory Optuna study holding one trial per netsynth trial, in number order."""

    def __init__(self, space: SearchSpace, directions: Sequence[StudyDirection]) -> None:
        self.space = space
        self.map = _ParamMap(space)
        self.storage = optuna.storages.InMemoryStorage()
        self.study = optuna.create_study(storage=self.storage, directions=list(directions))
        self.study_id = self.storage.get_study_id_from_name(self.study.study_name)
        self.entries: list[_Entry] = []
        self.dirty = False  # the study no longer matches what a rebuild would give
        # The parameter sets of the COMPLETE and PRUNED trials (TPE groups them when they vary).
        self.param_sets: set[frozenset[str]] = set()
        self._space_caches: dict[str, IntersectionSearchSpace] = {}

    def trial_id(self, position: int) -> int:
        return self.storage.get_trial_id_from_study_id_trial_number(self.study_id, position)

    def sync(
        self, history: Sequence[TrialRecord], outcome: Callable[[TrialRecord], _Outcome]
    ) -> bool:
        """Bring the study up to ``history`` (sorted by number); False when it cannot be done
        in place and the study must be rebuilt."""
        entries = self.entries
        if self.dirty or len(history) < len(entries):
            return False
        for position, entry in enumerate(entries):
            record = history[position]
            if record.number != entry.number:
                return False
            if entry.finished:
                if record.id != entry.record_id:
                    return False
                continue
            if entry.record_id is not None and record.id != entry.record_id:
                return False
            if (
                self.map.params_of(record.params) != entry.params
                or _notes_of(record) != entry.notes
            ):
                return False
            entry.record_id = record.id
            if record.state is not TrialState.RUNNING:
                self._finish(position, outcome(record))
                entry.finished = True
        for record in history[len(entries) :]:
            self.append(record, outcome(record) if record.state.is_finished else None)
        return True

    def append(self, record: TrialRecord, result: _Outcome | None) -> None:
        params = self.map.params_of(record.params)
        notes = _notes_of(record)
        system_attrs = dict((notes or {}).get("trial", {}))
        if result is not None and result.constraints is not None:
            system_attrs[_CONSTRAINTS_KEY] = result.constraints
        trial = optuna.trial.create_trial(
            state=result.state if result is not None else OptunaState.RUNNING,
            values=result.values if result is not None else None,
            params=params,
            distributions={name: self.map.optuna[name] for name in params},
            system_attrs=system_attrs,
            intermediate_values=(result.intermediate if result is not None else None),
        )
        self.storage.create_new_trial(self.study_id, template_trial=trial)
        if result is not None:
            self._note_params(result.state, params)
        for key, value in (notes or {}).get("study", {}).items():
            self.storage.set_study_system_attr(self.study_id, key, value)
        self.entries.append(_Entry(record.number, record.id, result is not None, params, notes))

    def _finish(self, position: int, result: _Outcome) -> None:
        trial_id = self.trial_id(position)
        for step, value in (result.intermediate or {}).items():
            self.storage.set_trial_intermediate_value(trial_id, step, value)
        if result.constraints is not None:
            self.storage.set_trial_system_attr(trial_id, _CONSTRAINTS_KEY, result.constraints)
        self.storage.set_trial_state_values(trial_id, result.state, result.values)
        self._note_params(result.state, self.entries[position].params)

    def _note_params(self, state: OptunaState, params: Mapping[str, Any]) -> None:
        if state in (OptunaState.COMPLETE, OptunaState.PRUNED):
            self.param_sets.add(frozenset(params))

    def reuse_caches(self, sampler: BaseSampler) -> None:
        """Hand the fresh sampler the intersection search space the previous ones computed.

        Optuna keeps it incrementally (trials after a cursor), and the intersection of the
        trials' distributions does not depend on the order it was taken in, so this changes
        nothing but the time; without it CMA-ES, NSGA-II and GP would spend most of a proposal
        recomputing it over the whole history. A sampler without such an attribute (another
        Optuna release) simply computes its own."""
        for attr in ("_search_space", "_intersection_search_space"):
            current = getattr(sampler, attr, None)
            if type(current) is IntersectionSearchSpace:
                setattr(sampler, attr, self._space_caches.setdefault(attr, current))

    def ask(self, sampler: BaseSampler, number: int) -> Candidate:
        """Sample the active params of trial ``number``; the asked trial stays in the study as
        RUNNING, where the next ``sync`` expects to find that trial."""
        study_before = dict(self.storage.get_study_system_attrs(self.study_id))
        self.study.sampler = sampler
        trial = self.study.ask()
        params: dict[str, ParamValue] = {}
        for name, dist in self.space.items():
            if self.space.is_active(name, params):
                value = self.map.to_netsynth(name, self.map.suggest(trial, name))
                if not dist.contains(value):  # Optuna rounding past a netsynth bound
                    value = _nearest(dist, value)
                    self.dirty = True
                params[name] = value
        trial_id = self.trial_id(trial.number)
        study_after = self.storage.get_study_system_attrs(self.study_id)
        notes: dict[str, Any] = {}
        written = dict(self.storage.get_trial_system_attrs(trial_id))
        if written:
            notes["trial"] = _jsonable(written)
            for key, value in notes["trial"].items():
                self.storage.set_trial_system_attr(trial_id, key, value)
        changed = {k: v for k, v in study_after.items() if study_before.get(k, _MISSING) != v}
        if changed:
            notes["study"] = _jsonable(changed)
            for key, value in notes["study"].items():
                self.storage.set_study_system_attr(self.study_id, key, value)
        self.entries.append(_Entry(number, None, False, self.map.params_of(params), notes or None))
        return Candidate(params, {ATTRS_KEY: notes} if notes else {})


_MISSING = object()


def _notes_of(record: TrialRecord) -> dict[str, Any] | None:
    notes = record.attrs.get(ATTRS_KEY)
    return notes if isinstance(notes, dict) and notes else None


def _nearest(dist: Distribution, value: ParamValue) -> ParamValue:
    """The closest value of a float distribution (Optuna may round just past a bound)."""
    if isinstance(dist, FloatDistribution) and isinstance(value, float):
        if dist.step is not None:
            top = math.floor((dist.high - dist.low) / dist.step + 1e-9)
            value = dist.low + min(max(round((value - dist.low) / dist.step), 0), top) * dist.step
        return min(max(value, dist.low), dist.high)
    return value


class OptunaStrategy(BaseStrategy):
    """The shared adapter; subclasses name the sampler and how trials are valued.

    Settings are the sampler's own keyword arguments (``n_startup_trials``,
    ``population_size``...), JSON values only; ``seed`` is the strategy's."""

    name: str
    sampler_class: ClassVar[Callable[..., BaseSampler]]
    defaults: ClassVar[dict[str, Any]] = {}
    # Settings the adapter sets itself.
    reserved: ClassVar[frozenset[str]] = frozenset({"seed", "constraints_func"})

    # Whether ``dedupe`` is offered: samplers whose notes (attrs["optuna"]) describe only the
    # trial's own params, so a replaced candidate can drop them.
    deduplicates: ClassVar[bool] = False

    def __init__(
        self, seed: int = 0, *, context: StrategyContext | None = None, **settings: Any
    ) -> None:
        super().__init__(seed, context=context)
        self.goal: Goal = self.context.goal
        self.dedupe = bool(settings.pop("dedupe", self.deduplicates))
        if self.dedupe and not self.deduplicates:
            raise ValueError(f"{self.name} does not take dedupe")
        signature = set(inspect.signature(self.sampler_class).parameters)
        accepted = signature - self.reserved
        unknown = sorted(set(settings) - accepted)
        if unknown:
            raise ValueError(
                f"unknown setting(s) {', '.join(unknown)}; {self.name} takes "
                f"{', '.join(sorted(accepted))}"
            )
        for key, value in settings.items():
            try:
                json.dumps(value)
            except (TypeError, ValueError):
                raise ValueError(
                    f"setting {key}={value!r} is not a JSON value; only those can be stored "
                    "with the experiment"
                ) from None
        self.settings: dict[str, Any] = dict(settings)
        self._accepted = accepted
        self._takes_constraints = "constraints_func" in signature
        with _quiet():
            self._sampler(0)  # bad settings fail here, not at the first proposal
        self._mirror: _Mirror | None = None

    # -- what subclasses choose ----------------------------------------------------------------

    def _directions(self) -> list[StudyDirection]:
        return [StudyDirection.MAXIMIZE]

    def _outcome(self, trial: TrialRecord) -> _Outcome:
        """How a finished netsynth trial enters the study."""
        if trial.state is TrialState.FAILED:
            return _Outcome(OptunaState.FAIL)
        if trial.state is TrialState.PRUNED:
            return _Outcome(OptunaState.PRUNED, intermediate=self._intermediate(trial))
        score = self.goal.score(trial)
        if score is None or not math.isfinite(score):
            return _Outcome(OptunaState.FAIL)
        return _Outcome(OptunaState.COMPLETE, [score])

    def _constraints_func(self) -> Callable[[FrozenTrial], Sequence[float]] | None:
        return None

    def _options(self, mirror: _Mirror | None) -> dict[str, Any]:
        """The sampler's keyword arguments besides ``seed`` (for a proposal on ``mirror``)."""
        # Defaults this Optuna release's sampler does not know are left out.
        defaults = {k: v for k, v in self.defaults.items() if k in self._accepted}
        options: dict[str, Any] = {**defaults, **self.settings}
        func = self._constraints_func()
        if func is not None and self._takes_constraints:
            options["constraints_func"] = func
        return options

    # -- shared --------------------------------------------------------------------------------

    def _oriented(self, value: float) -> float:
        return value if self.goal.objective.direction is Direction.MAXIMIZE else -value

    def _intermediate(self, trial: TrialRecord) -> dict[int, float]:
        """Reports of the objective metric, oriented like the score (larger is better)."""
        out: dict[int, float] = {}
        for report in trial.reports:
            value = report.metrics.get(self.goal.objective.metric)
            if value is not None and math.isfinite(value):
                out[report.step] = self._oriented(float(value))
        return out

    def _violation(self, trial: TrialRecord) -> float:
        metrics = dict(trial.metrics)
        if trial.value is not None:
            metrics[self.goal.objective.metric] = trial.value
        return self.goal.violation(metrics)

    def _sampler(self, number: int, mirror: _Mirror | None = None) -> BaseSampler:
        sampler = self.sampler_class(seed=_derived_seed(self.seed, number), **self._options(mirror))
        if mirror is not None:
            mirror.reuse_caches(sampler)
        return sampler

    def propose(
        self, space: SearchSpace, history: Sequence[TrialRecord], numbers: Sequence[int]
    ) -> list[Candidate]:
        """One candidate per number; with several numbers each later one sees the earlier ones
        as running trials (so a batch is a function of the whole batch of numbers)."""
        if any(a.number >= b.number for a, b in pairwise(history)):
            history = sorted(history, key=lambda trial: trial.number)
        with _quiet():
            mirror = self._mirror
            if mirror is None or not (mirror.space is space or mirror.space == space):
                mirror = None
            if mirror is None or not mirror.sync(history, self._outcome):
                mirror = _Mirror(space, self._directions())
                mirror.sync(history, self._outcome)
            self._mirror = mirror
            out = [mirror.ask(self._sampler(number, mirror), number) for number in numbers]
        return self._deduplicated(space, history, numbers, out) if self.dedupe else out

    def _deduplicated(
        self,
        space: SearchSpace,
        history: Sequence[TrialRecord],
        numbers: Sequence[int],
        candidates: list[Candidate],
    ) -> list[Candidate]:
        """A candidate already tried (or running) is mutated until it is new (up to 20 times,
        seeded by the trial number), as evolution does; Optuna's samplers repeat themselves
        on small categorical spaces, where a repeat costs a trial and teaches nothing. The
        mirror then no longer matches the history and is rebuilt at the next proposal."""
        view = self._view(space)
        seen = view.trial_keys(history)
        out = []
        for number, candidate in zip(numbers, candidates, strict=True):
            point = view.point(candidate.params)
            if view.key(point) in seen:
                rng = trial_rng(self.seed, number)
                for _ in range(_DEDUPE_RETRIES):
                    point = view.mutate(point, rng)
                    if view.key(point) not in seen:
                        break
                candidate = Candidate(view.params(point), {"origin": "deduplicated"})
                assert self._mirror is not None
                self._mirror.dirty = True
            seen.add(view.key(point))
            out.append(candidate)
        return out

    def to_dict(self) -> dict[str, Any]:
        dedupe = {"dedupe": self.dedupe} if self.deduplicates else {}
        return {"name": self.name, "seed": self.seed, **self.settings, **dedupe}


class TPE(OptunaStrategy):
    """Tree-structured Parzen estimator, multivariate and grouped (so conditional parameters
    are modelled with the parameters they occur with), with the constant liar for running
    trials. Settings: ``n_startup_trials`` (10), ``n_ei_candidates`` (24), ``prior_weight``,
    ``constant_liar`` (True), ``group`` (automatic)...; ``dedupe`` (True): a repeat of a tried
    candidate is mutated until new."""

    name = "tpe"
    sampler_class = optuna.samplers.TPESampler
    deduplicates = True
    defaults = {"multivariate": True, "constant_liar": True}

    def _options(self, mirror: _Mirror | None) -> dict[str, Any]:
        options = super()._options(mirror)
        if "group" not in options:
            # Grouping only matters once finished trials differ in their parameters
            # (conditional or define-by-run ones); it costs a pass over every trial.
            options["group"] = mirror is not None and len(mirror.param_sets) > 1
        return options


class GPBO(OptunaStrategy):
    """Gaussian-process Bayesian optimization (Optuna's ``GPSampler``; needs PyTorch and SciPy).
    Constraints go to the sampler as constraints (constrained expected improvement). Its cost
    grows with the cube of the number of trials (seconds per proposal past a few hundred), and
    running trials make each proposal several times dearer.
    Settings: ``n_startup_trials`` (10), ``deterministic_objective`` (False), ``dedupe``
    (True)."""

    name = "gp"
    sampler_class = optuna.samplers.GPSampler
    deduplicates = True
    defaults = {"warn_independent_sampling": False}

    def _outcome(self, trial: TrialRecord) -> _Outcome:
        if trial.state is not TrialState.COMPLETE:
            return super()._outcome(trial)
        value = trial.value
        if value is None or not math.isfinite(value):
            return _Outcome(OptunaState.FAIL)
        constraints = [self._violation(trial)] if self.goal.constraints else None
        return _Outcome(OptunaState.COMPLETE, [self._oriented(value)], constraints)

    def _constraints_func(self) -> Callable[[FrozenTrial], Sequence[float]] | None:
        return _stored_constraints if self.goal.constraints else None


class CMAES(OptunaStrategy):
    """CMA-ES (Optuna's ``CmaEsSampler``; needs the ``cmaes`` package) over the numeric
    parameters every trial has; categorical and conditional ones are drawn at random. Its
    optimizer state travels in the trial attrs (``attrs["optuna"]``), once per generation.
    Settings: ``sigma0``, ``popsize``, ``n_startup_trials`` (1), ``restart_strategy``,
    ``use_separable_cma``, ``with_margin``, ``lr_adapt``, ``x0``..."""

    name = "cmaes"
    sampler_class = optuna.samplers.CmaEsSampler
    defaults = {"warn_independent_sampling": False}

    def __init__(
        self, seed: int = 0, *, context: StrategyContext | None = None, **settings: Any
    ) -> None:
        if importlib.util.find_spec("cmaes") is None:
            raise ValueError("the cmaes strategy needs the 'cmaes' package: pip install cmaes")
        super().__init__(seed, context=context, **settings)


class NSGA2(OptunaStrategy):
    """NSGA-II (Optuna's ``NSGAIISampler``) over every objective of the goal (the main one and
    its ``pareto`` objectives), constraint-breaking trials dominated by feasible ones.
    Settings: ``population_size`` (50), ``mutation_prob``, ``crossover_prob`` (0.9),
    ``swapping_prob`` (0.5)."""

    name = "nsga2"
    sampler_class = optuna.samplers.NSGAIISampler

    def _directions(self) -> list[StudyDirection]:
        return [
            StudyDirection.MAXIMIZE
            if o.direction is Direction.MAXIMIZE
            else StudyDirection.MINIMIZE
            for o in self.goal.objectives
        ]

    def _outcome(self, trial: TrialRecord) -> _Outcome:
        if trial.state is not TrialState.COMPLETE:
            # NSGA-II looks at COMPLETE trials only.
            return _Outcome(
                OptunaState.FAIL if trial.state is TrialState.FAILED else OptunaState.PRUNED
            )
        values = self.goal.values(trial)
        if values is None or not all(math.isfinite(v) for v in values):
            return _Outcome(OptunaState.FAIL)
        constraints = [self._violation(trial)] if self.goal.constraints else None
        return _Outcome(OptunaState.COMPLETE, values, constraints)

    def _constraints_func(self) -> Callable[[FrozenTrial], Sequence[float]] | None:
        return _stored_constraints if self.goal.constraints else None


def _stored_constraints(trial: FrozenTrial) -> Sequence[float]:
    """The violation the adapter stored on the trial. Older Optuna releases weigh constraints
    only when a ``constraints_func`` is given; the adapter never calls ``tell``, so this one
    is only there to switch them on."""
    stored = trial.system_attrs.get(_CONSTRAINTS_KEY)
    return list(stored) if stored is not None else [0.0]
