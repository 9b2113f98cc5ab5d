"""``netsynth.search``: the best network for your data in the time you give, from Python.

>>> import numpy as np, netsynth                                     # doctest: +SKIP
>>> result = netsynth.search(x, y, time_limit="10m")                 # doctest: +SKIP
>>> result.predict(x_new), result.test_accuracy                      # doctest: +SKIP

It is the same run as ``netsynth run data.npz --time 10m``: the data (arrays are saved as an
``.npz`` file first, so that worker processes and a later ``resume`` can read them) becomes
the spec ``{data: ..., budget: {time: ...}}``, whose space, first candidates, strategy and
scheduler are chosen from the data (see ``netsynth.space.auto_space``); the run searches,
retrains the winner, tests it and exports it, and the exported model comes back loaded.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from netsynth.data.builtin import cache_dir
from netsynth.experiment_record import ExperimentState

if TYPE_CHECKING:
    from netsynth.experiment import Experiment
    from netsynth.export import LoadedModel


@dataclass
class SearchResult:
    """The finished search: the exported, loaded winner and the experiment behind it."""

    experiment: Experiment
    model: LoadedModel
    state: ExperimentState

    def predict(self, x: Any) -> np.ndarray:
        """Class ids for raw inputs ``(N, *input_shape)`` (normalization is in the model)."""
        return self.model.predict(_array(x))

    def predict_proba(self, x: Any) -> np.ndarray:
        """Class probabilities ``(N, classes)`` for raw inputs."""
        return self.model.predict_proba(_array(x))

    @property
    def test_accuracy(self) -> float | None:
        """The exported model's accuracy on the held-out test split."""
        attrs = self.experiment.record.attrs
        winner = attrs.get("winner")
        entry = next((e for e in attrs.get("final", []) if e["trial"] == winner), None)
        return None if entry is None else entry.get("test_acc")

    @property
    def export_folder(self) -> Path:
        return Path(self.experiment.record.attrs["export"]["folder"])


def _array(x: Any) -> np.ndarray:
    if hasattr(x, "detach"):  # a torch tensor
        x = x.detach().cpu().numpy()
    return np.asarray(x)


def save_arrays(
    x: Any, y: Any, x_test: Any = None, y_test: Any = None, folder: Path | None = None
) -> Path:
    """Save arrays as an ``.npz`` named by their content (the same arrays, the same file),
    under ``folder`` (default: ``$NETSYNTH_CACHE/arrays``)."""
    from netsynth.data.dataset import DataError

    arrays = {"x": _array(x), "y": _array(y)}
    if (x_test is None) != (y_test is None):
        raise DataError("give both x_test and y_test, or neither")
    if x_test is not None:
        arrays.update(x_test=_array(x_test), y_test=_array(y_test))
    import hashlib

    digest = hashlib.sha256()
    for key, array in arrays.items():
        digest.update(f"{key}:{array.dtype.str}:{array.shape};".encode())
        digest.update(np.ascontiguousarray(array).tobytes())
    folder = folder or cache_dir() / "arrays"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"data-{digest.hexdigest()[:16]}.npz"
    if not path.exists():
        tmp = path.with_suffix(".tmp.npz")
        np.savez(tmp, **arrays)  # type: ignore[arg-type]
        tmp.replace(path)
    return path


def search(
    x: Any,
    y: Any = None,
    *,
    time_limit: float | str = 600,
    x_test: Any = None,
    y_test: Any = None,
    name: str | None = None,
    storage: str | None = None,
    workers: int | None = None,
    seed: int | None = None,
    max_trials: int | None = None,
    progress: bool = True,
    **spec: Any,
) -> SearchResult:
    """Search a network for ``x``, ``y`` (arrays or tensors: ``(N, C, H, W)`` images,
    ``(N, C, L)`` sequences, ``(N, F)`` tables; labels 0..K-1) within ``time_limit`` (seconds,
    or text such as ``"10m"``), and return the exported winner, loaded. ``x`` may instead be
    a dataset path or built-in name (then leave out ``y``). Without ``x_test``, a seeded
    share of ``x`` is held out for the test. ``max_trials`` ends the search after that many
    trials even if time is left. ``storage``: where the experiment is kept
    (default ``sqlite:///netsynth.db``); ``spec``: further spec keys (``architecture``,
    ``strategy``, ``final``, ``execution``...) as in a YAML spec. Raises what the CLI
    reports as errors: a ``DataError`` for bad data, ``TimeLimitTooShort`` when no candidate
    can train in the time, ``ExperimentError`` when the run fails."""
    from netsynth.experiment import ExperimentError
    from netsynth.export import load_model
    from netsynth.spec import compile_spec, parse_spec
    from netsynth.storage.url import DEFAULT_STORAGE_URL

    if isinstance(x, (str, Path)) and y is None:
        source = str(x)
        default_name = Path(source.rstrip("/")).stem
    else:
        if y is None:
            raise ExperimentError("give the labels y with the inputs x (or a dataset path as x)")
        path = save_arrays(x, y, x_test, y_test)
        source = str(path)
        default_name = f"search-{path.stem[5:13]}"
    budget: dict[str, Any] = {"time": time_limit}
    if max_trials is not None:
        budget["max_trials"] = max_trials
    data = {"data": source, "budget": budget, **spec}
    if seed is not None:
        data["seed"] = seed
    parsed = parse_spec(data, "netsynth.search", Path.cwd())
    compiled = compile_spec(
        parsed,
        source="netsynth.search",
        base_dir=Path.cwd(),
        storage=storage or DEFAULT_STORAGE_URL,
        name=name or default_name,
    )
    experiment = compiled.experiment
    options = dict(compiled.run_options)
    if workers is not None:
        options["workers"] = workers
    if progress:
        from netsynth.runner.run_clock import describe_plan

        print(f"experiment {experiment.name} in {experiment.storage_url}", file=sys.stderr)
        for note in compiled.notes:
            print(f"  {note}", file=sys.stderr)
        print(describe_plan(experiment, options), file=sys.stderr)
    state = experiment.run(compiled.estimator, progress=progress, **options)
    experiment.refresh()
    export = experiment.record.attrs.get("export")
    if export is None:
        raise ExperimentError(
            f"experiment {experiment.name} ended {state.value} without a model: "
            f"{experiment.record.reason}"
        )
    return SearchResult(experiment, load_model(export["folder"]), state)
