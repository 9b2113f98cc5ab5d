"""``BaseScheduler``: the ``Scheduler`` protocol's no-op defaults, so a scheduler writes only
what it changes.

By default every candidate is new (no promotion), runs at full fidelity, and goes on after
each report; ``to_dict`` is written from ``setting_names``:

>>> class Patient(BaseScheduler):
...     name = "patient"
...     setting_names = ("patience",)
...
...     def __init__(self, objective=None, *, patience=3):
...         super().__init__(objective)
...         self.patience = patience
>>> Patient(patience=5).to_dict()
{'name': 'patient', 'patience': 5}
>>> Patient().on_report(None, []).stop
False
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from netsynth.candidate import Candidate
from netsynth.objective import Objective
from netsynth.schedulers.scheduler import CONTINUE, Decision, Placement
from netsynth.trial_record import TrialRecord


class BaseScheduler:
    """Keeps the objective it judges (``Objective()`` unless told), and says: no
    promotion, full fidelity, continue. ``uses_reports`` is True: a scheduler that never
    looks at reports sets it to False, sparing a write per report."""

    name: str
    uses_reports: bool = True
    setting_names: ClassVar[tuple[str, ...]] = ()

    def __init__(self, objective: Objective | None = None) -> None:
        self.objective = objective or Objective()

    def promotion(self, history: Sequence[TrialRecord]) -> tuple[TrialRecord, Placement] | None:
        """A finished trial to run again at a higher fidelity; None: a new candidate."""
        return None

    def assign(self, candidate: Candidate, history: Sequence[TrialRecord]) -> Placement:
        """Full fidelity, outside any bracket."""
        return Placement()

    def on_report(self, trial: TrialRecord, history: Sequence[TrialRecord]) -> Decision:
        """Go on."""
        return CONTINUE

    def to_dict(self) -> dict[str, Any]:
        settings = {name: getattr(self, name) for name in self.setting_names}
        return {"name": self.name, **settings}
