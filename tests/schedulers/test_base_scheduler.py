"""A new scheduler writes only the decisions it takes: the base says no promotion, full
fidelity, continue, and writes ``to_dict``; schedulers and strategies share their types through
modules below both, never through each other."""

from __future__ import annotations

import ast
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from netsynth.candidate import Candidate
from netsynth.objective import Direction, Objective
from netsynth.schedulers.base import BaseScheduler
from netsynth.schedulers.registry import SCHEDULERS, make_scheduler
from netsynth.schedulers.scheduler import Decision, Placement
from netsynth.trial_record import Report, TrialRecord, TrialState

PACKAGE = Path(__file__).resolve().parents[2] / "netsynth"


class StopAtStep(BaseScheduler):
    """Stops every trial at ``step``."""

    name = "stop-at"
    setting_names = ("step",)

    def __init__(self, objective: Objective | None = None, *, step: int = 3) -> None:
        super().__init__(objective)
        self.step = step

    def on_report(self, trial: TrialRecord, history: Sequence[TrialRecord]) -> Decision:
        if trial.reports and trial.reports[-1].step >= self.step:
            return Decision(stop=True, reason=f"step {self.step}")
        return super().on_report(trial, history)


@pytest.fixture
def registered() -> Iterator[None]:
    SCHEDULERS.register("stop-at", StopAtStep)
    yield
    SCHEDULERS.unregister("stop-at")


def trial(steps: int) -> TrialRecord:
    reports = tuple(Report(s, {"value": 1.0}) for s in range(1, steps + 1))
    return TrialRecord(1, 1, 0, TrialState.RUNNING, reports=reports)


def test_the_defaults_are_no_promotion_full_fidelity_and_continue() -> None:
    class Plain(BaseScheduler):
        name = "plain"

    plain = Plain()
    assert plain.promotion([trial(2)]) is None
    assert plain.assign(Candidate({"x": 1.0}), []) == Placement()
    assert plain.on_report(trial(2), []) == Decision()
    assert plain.to_dict() == {"name": "plain"}
    assert plain.uses_reports and plain.objective == Objective()


def test_a_registered_scheduler_is_made_by_name_with_its_objective(registered: None) -> None:
    objective = Objective("acc", Direction.MAXIMIZE)
    scheduler = make_scheduler({"name": "stop-at", "step": 2}, objective)
    assert isinstance(scheduler, StopAtStep) and scheduler.objective is objective
    assert scheduler.to_dict() == {"name": "stop-at", "step": 2}
    assert not scheduler.on_report(trial(1), []).stop
    assert scheduler.on_report(trial(2), []) == Decision(stop=True, reason="step 2")
    with pytest.raises(ValueError, match="scheduler 'stop-at'"):
        make_scheduler({"name": "stop-at", "patience": 2})


@pytest.mark.parametrize(
    "config",
    [
        {"name": "fifo"},
        {"name": "median", "warmup_steps": 2, "min_trials": 3},
        {"name": "curve", "threshold": 0.1, "min_points": 5, "horizon": 9, "ceiling": 1.0},
        {"name": "asha", "max_resource": 9, "reduction_factor": 3, "brackets": 2},
        {"name": "hyperband", "max_resource": 27},
    ],
)
def test_every_scheduler_is_rebuilt_from_its_stored_dict(config: dict[str, object]) -> None:
    stored = make_scheduler(config).to_dict()
    assert stored["name"] == config["name"]
    assert {k: stored[k] for k in config} == config
    assert make_scheduler(stored).to_dict() == stored


def _imports(folder: str) -> set[str]:
    found: set[str] = set()
    for path in (PACKAGE / folder).glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module:
                found.add(node.module)
            elif isinstance(node, ast.Import):
                found.update(alias.name for alias in node.names)
    return found


def test_schedulers_and_strategies_do_not_import_each_other() -> None:
    assert not any(m.startswith("netsynth.strategies") for m in _imports("schedulers"))
    assert not any(m.startswith("netsynth.schedulers") for m in _imports("strategies"))
