"""The experiment's own error, in a module that imports nothing of netsynth, so that every
layer (the runner's stages, the user's handle, the CLI) can raise and catch it.

>>> from netsynth.errors import ExperimentError
>>> issubclass(ExperimentError, ValueError)
True
"""

from __future__ import annotations


class ExperimentError(ValueError):
    """A request the experiment cannot honour, with what to do instead."""


__all__ = ["ExperimentError"]
