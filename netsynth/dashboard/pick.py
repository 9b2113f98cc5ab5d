"""Pick: mark one model as the chosen one and export it, as ``netsynth export --trial N`` does.
The dashboard's only writer: it opens a writable storage for the one request, records the pick
in the experiment's attrs (``"picked"``) and writes the model inside the output folder."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from netsynth.dashboard.reader import ExperimentView
from netsynth.dashboard.security import confined_path, safe_folder_name
from netsynth.storage.storage import Storage
from netsynth.trial_record import TrialState

# One pick at a time: two exports into one folder, or two retrainings at once, help no one.
_ONE_AT_A_TIME = threading.Lock()


class PickError(ValueError):
    """A pick the experiment cannot honour, with what to do instead."""


@dataclass(frozen=True)
class PickResult:
    trial: int
    folder: str | None  # where the model went, relative to the output folder

    def to_dict(self) -> dict[str, Any]:
        return {"picked": self.trial, "folder": self.folder}


@contextmanager
def writable(storage: Storage) -> Iterator[Storage]:
    """The storage itself, or a writable handle on the same database for one request."""
    url = getattr(storage, "url", None)
    if not getattr(storage, "read_only", False) or url is None:
        yield storage
        return
    from netsynth.storage.url import open_storage

    handle = open_storage(str(url))
    try:
        yield handle
    finally:
        handle.close()


def export_target(out: Path, experiment: str, trial: int, folder: str | None) -> Path:
    """``out/<experiment>/trial-N``, or ``out/<folder>``; never outside ``out``."""
    return confined_path(out, folder or f"{safe_folder_name(experiment)}/trial-{trial}")


def pick(
    storage: Storage, view: ExperimentView, trial: int, out: Path, folder: str | None
) -> PickResult:
    record = view.trial(trial)
    if record.state is not TrialState.COMPLETE:
        raise PickError(f"trial {trial} is {record.state.value}; pick a COMPLETE trial")
    target = export_target(out, view.name, trial, folder)  # refused before anything is written
    with _ONE_AT_A_TIME, writable(storage) as store:
        relative = None
        if view.exportable:
            from netsynth.experiment import ExperimentError, export_experiment
            from netsynth.experiment_factory import load_experiment

            try:
                experiment = load_experiment(view.name, storage=store)
                exported = export_experiment(experiment, target, trial)
            except ExperimentError as exc:
                raise PickError(str(exc)) from None
            relative = exported.resolve().relative_to(out.resolve()).as_posix()
        store.update_experiment(
            view.record.id,
            attrs={"picked": {"trial": trial, "folder": relative, "at": time.time()}},
        )
    return PickResult(trial, relative)


def unpick(storage: Storage, view: ExperimentView) -> None:
    """Forget the pick (the exported files stay where they are)."""
    with writable(storage) as store:
        store.update_experiment(view.record.id, attrs={"picked": None})
