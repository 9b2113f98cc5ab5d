"""The executor a run uses, by name: ``inline`` (one trial at a time in this process),
``process`` (a pool of local worker processes) or ``ray`` (a Ray cluster); Ray is imported
only when named."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from netsynth.errors import ExperimentError
from netsynth.runner.executor import Executor
from netsynth.runner.inline import InlineExecutor
from netsynth.runner.process_pool import ProcessPoolExecutor


def make_executor(
    executor: str | Executor | None, workers: int | None, config: Mapping[str, Any]
) -> Executor:
    """``executor`` itself, or the one it names; with none named, the experiment's stored
    choice (``config``), else inline for one worker and a process pool for more."""
    if executor is not None and not isinstance(executor, str):
        return executor
    workers = workers if workers is not None else int(config.get("workers", 1))
    kind = executor or config.get("executor") or ("inline" if workers == 1 else "process")
    if kind == "inline":
        if workers != 1:
            raise ExperimentError("the inline executor runs one trial at a time; use workers=1")
        return InlineExecutor()
    if kind == "process":
        return ProcessPoolExecutor(workers)
    if kind == "ray":
        from netsynth.runner.ray_executor import RayExecutor, import_ray

        import_ray()  # before the search starts: say how to install it
        options = config.get("executor_options") or {}
        return RayExecutor(
            workers,
            address=options.get("address"),
            num_cpus=float(options.get("num_cpus", 1.0)),
            num_gpus=float(options.get("num_gpus", 0.0)),
        )
    raise ExperimentError(f"unknown executor {kind!r}; use 'inline', 'process' or 'ray'")


__all__ = ["make_executor"]
