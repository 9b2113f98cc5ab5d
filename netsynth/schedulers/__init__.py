"""Schedulers: HOW MUCH budget each candidate gets."""

from netsynth.schedulers.base import BaseScheduler
from netsynth.schedulers.fifo import FIFOScheduler
from netsynth.schedulers.registry import SCHEDULERS, make_scheduler
from netsynth.schedulers.scheduler import Decision, Placement, Scheduler

__all__ = [
    "SCHEDULERS",
    "BaseScheduler",
    "Decision",
    "FIFOScheduler",
    "Placement",
    "Scheduler",
    "make_scheduler",
]
