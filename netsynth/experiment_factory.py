"""Create or load experiments; the Python API and the spec both come through here.

The keywords are the spec's keys: ``parameters`` (the flat hyperparameter space),
``architecture`` (the architecture space), ``strategy``, ``scheduler``. ``space=``, the
name of netsynth 0.1 for ``parameters=``, works until netsynth 0.3 with a
``DeprecationWarning``.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Mapping, Sequence
from typing import Any, TypeAlias

from netsynth.deprecation import warn_deprecated
from netsynth.experiment import Experiment, ExperimentError
from netsynth.experiment_record import ExperimentRecord
from netsynth.objective import Direction, Objective
from netsynth.schedulers.scheduler import Scheduler
from netsynth.space.architecture_space import ArchitectureSpace
from netsynth.space.search_space import SearchSpace
from netsynth.storage.storage import (
    ExperimentExistsError,
    ExperimentNotFoundError,
    Storage,
)
from netsynth.storage.url import open_storage
from netsynth.strategies.strategy import Strategy

# Config keys that define what is searched; a re-created experiment must agree on these.
# They are the stored names (``space`` holds the flat space that ``parameters=`` gives),
# which stay as they are so that storages written by any version read alike.
_IDENTITY_KEYS = (
    "objective",
    "space",
    "strategy",
    "scheduler",
    "architecture",
    "goal",
    "tuning",
    "fidelity",
)


# The stored config keys as a user names them: the spec's keys and create_experiment's
# keywords (``goal`` holds the objective's constraints and Pareto objectives).
_USER_NAMES = {"space": "parameters", "goal": "objective"}


class SearchChangedError(ExperimentError):
    """An experiment of that name exists, but searches something else: ``fields`` names the
    stored config keys that differ (space, strategy, ...), ``names`` the same as the spec
    and the Python API call them (parameters, strategy, ...)."""

    def __init__(self, name: str, fields: Sequence[str]) -> None:
        self.name = name
        self.fields = list(fields)
        self.names = user_names(self.fields)
        super().__init__(
            f"experiment {name!r} exists with different {', '.join(self.names)}; "
            "use another name, or load it unchanged"
        )


def user_names(fields: Sequence[str]) -> list[str]:
    """Stored config keys as the user's names, without repeats; the flat space an
    architecture space derives is not named besides it.

    >>> user_names(["space", "architecture", "objective", "goal"])
    ['architecture', 'objective']
    """
    names: list[str] = []
    for key in fields:
        if key == "space" and "architecture" in fields:
            continue
        name = _USER_NAMES.get(key, key)
        if name not in names:
            names.append(name)
    return names


def _default_name() -> str:
    return f"exp-{time.strftime('%Y%m%d-%H%M%S')}-{secrets.token_hex(2)}"


FlatSpace: TypeAlias = SearchSpace | Mapping[str, Mapping[str, Any]]  # what parameters= takes


def build_config(
    *,
    metric: str = "value",
    direction: str | Direction = "minimize",
    parameters: FlatSpace | None = None,
    strategy: str | Mapping[str, Any] | Strategy = "random",
    scheduler: str | Mapping[str, Any] | Scheduler = "fifo",
    seed: int | None = None,
    architecture: ArchitectureSpace | Mapping[str, Any] | None = None,
    constraints: Mapping[str, float] | None = None,
    pareto: Sequence[tuple[str, str | Direction]] = (),
    tuning: Mapping[str, Any] | None = None,
    fidelity: Mapping[str, float] | None = None,
) -> dict[str, Any]:
    """The stored description of an experiment; both the Python API and the spec build it.
    ``fidelity``: every search trial's lower fidelity, under the scheduler's own resource."""
    if architecture is not None and not isinstance(architecture, Mapping):
        architecture = architecture.to_dict()
    if parameters is None and architecture is not None:
        from netsynth.space.architecture_space import make_architecture_space

        parameters = make_architecture_space(architecture).flat()
    space = parameters
    if space is not None and not isinstance(space, SearchSpace):
        space = SearchSpace.from_dict(space)

    def described(
        part: str | Mapping[str, Any] | Strategy | Scheduler,
    ) -> dict[str, Any]:
        if isinstance(part, str):
            return {"name": part}
        if isinstance(part, Mapping):
            return dict(part)
        return part.to_dict()

    config: dict[str, Any] = {
        "objective": Objective(metric, Direction(direction)).to_dict(),
        "space": space.to_dict() if space is not None else None,
        "strategy": described(strategy),
        "scheduler": described(scheduler),
        "seed": seed if seed is not None else secrets.randbelow(2**31),
    }
    # Only when used, so that configs stored before these keys existed still compare equal.
    if architecture is not None:
        config["architecture"] = dict(architecture)
    if constraints or pareto:
        config["goal"] = {
            "constraints": {str(k): float(v) for k, v in (constraints or {}).items()},
            "pareto": [Objective(m, Direction(d)).to_dict() for m, d in pareto],
        }
    if tuning is not None:
        if architecture is None:
            raise ExperimentError("a sequential pipeline (tuning=...) needs an architecture space")
        from netsynth.runner.tuning_stage import TuningStage

        config["tuning"] = TuningStage.from_dict(tuning).to_dict()
    if fidelity:
        config["fidelity"] = {str(k): float(v) for k, v in fidelity.items()}
    return config


def create_experiment(
    name: str | None = None,
    *,
    storage: str | Storage | None = None,
    direction: str | Direction = "minimize",
    metric: str = "value",
    parameters: FlatSpace | None = None,
    strategy: str | Mapping[str, Any] | Strategy = "random",
    scheduler: str | Mapping[str, Any] | Scheduler = "fifo",
    seed: int | None = None,
    load_if_exists: bool = False,
    architecture: ArchitectureSpace | Mapping[str, Any] | None = None,
    constraints: Mapping[str, float] | None = None,
    pareto: Sequence[tuple[str, str | Direction]] = (),
    tuning: Mapping[str, Any] | None = None,
    fidelity: Mapping[str, float] | None = None,
    space: FlatSpace | None = None,
) -> Experiment:
    """Create an experiment (in memory unless ``storage`` is a URL such as
    ``"sqlite:///netsynth.db"``). ``parameters`` declares the flat hyperparameter space up
    front (a ``SearchSpace`` or ``{"lr": {"type": "float", "low": 1e-4, "high": 0.1, "log":
    True}}``); without it the objective defines its parameters as it runs
    (``trial.suggest_float(...)``). ``architecture`` (an architecture space or its config)
    gives NAS strategies the structured view; its flat view is the parameters. ``space``: the
    old name of ``parameters`` (deprecated). ``constraints`` bound metrics from above
    (``{"params": 20_000}``); ``pareto`` names further objectives
    (``[("params", "minimize")]``) for a Pareto front. ``tuning`` makes the search
    sequential (stage 2 tunes the training of stage 1's best architectures; see
    ``netsynth.runner.tuning_stage.TuningStage`` for its keys). With ``load_if_exists`` an
    experiment of the same name is continued, provided it searches the same thing."""
    if space is not None:
        if parameters is not None:
            raise TypeError("give parameters= only (space= is its old name)")
        warn_deprecated("create_experiment(space=...)", "create_experiment(parameters=...)")
        parameters = space
    store = open_storage(storage)
    config = build_config(
        metric=metric,
        direction=direction,
        parameters=parameters,
        strategy=strategy,
        scheduler=scheduler,
        seed=seed,
        architecture=architecture,
        constraints=constraints,
        pareto=pareto,
        tuning=tuning,
        fidelity=fidelity,
    )
    objects = {
        "strategy": strategy if not isinstance(strategy, (str, Mapping)) else None,
        "scheduler": scheduler if not isinstance(scheduler, (str, Mapping)) else None,
    }
    name = name or _default_name()
    try:
        record = store.create_experiment(name, config)
    except ExperimentExistsError:
        if not load_if_exists:
            raise ExperimentError(
                f"an experiment named {name!r} already exists; pick another name, pass "
                "load_if_exists=True, or resume it"
            ) from None
        record = store.get_experiment(name)
        _check_same_search(record, config, explicit_seed=seed is not None)
    return Experiment(store, record, **objects)  # type: ignore[arg-type]


def _check_same_search(
    record: ExperimentRecord, config: dict[str, Any], explicit_seed: bool
) -> None:
    keys = _IDENTITY_KEYS + (("seed",) if explicit_seed else ())
    differ = [key for key in keys if record.config.get(key) != config.get(key)]
    if differ:
        raise SearchChangedError(record.name, differ)


def load_experiment(name: str, *, storage: str | Storage | None = None) -> Experiment:
    """Open a stored experiment, e.g. to ``run()`` it further or read its trials."""
    store = open_storage(storage)
    try:
        record = store.get_experiment(name)
    except ExperimentNotFoundError:
        known = [e.name for e in store.list_experiments()]
        hint = f"; experiments there: {', '.join(known[-10:])}" if known else ""
        raise ExperimentNotFoundError(f"no experiment named {name!r}{hint}") from None
    return Experiment(store, record)
