"""FIFO: every trial runs at full fidelity until it ends by itself."""

from __future__ import annotations

from netsynth.schedulers.base import BaseScheduler


class FIFOScheduler(BaseScheduler):
    name = "fifo"
    uses_reports = False
