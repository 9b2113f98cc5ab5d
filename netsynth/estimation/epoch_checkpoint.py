"""Epoch checkpoints: the resumable state of one candidate's training, saved after each epoch.

A trial whose worker is lost (or whose driver is killed) is retried as a new trial with the
same candidate (``netsynth.runner.retries``). Every attempt of a candidate shares one
checkpoint file, named after the candidate's first attempt, so a retry continues from the
last epoch the lost attempt finished instead of from scratch.

The state is whatever the training loop needs to continue exactly where it stopped: model,
optimizer and learning-rate schedule state dicts, random number generator states, the epoch
and the curve so far. It is written with ``torch.save`` to a temporary file and moved into
place (a crash mid-write leaves the previous checkpoint intact) and read back with
``torch.load(weights_only=True)``, which unpickles tensors and plain containers only, never
code. A fingerprint (the genotype, training configuration and fidelity) is saved with it: a
checkpoint saved for other work is ignored, with a warning, rather than resumed.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from netsynth.trial import Trial

log = logging.getLogger("netsynth")

FINGERPRINT = "fingerprint"


def fingerprint_of(work: Mapping[str, Any]) -> str:
    """A short stable hash of JSON-able ``work`` (what the saved state belongs to)."""
    text = json.dumps(work, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class EpochCheckpoint:
    """One candidate's resumable training state on disk."""

    path: Path
    fingerprint: str

    def load(self) -> dict[str, Any] | None:
        """The last saved state, or None when there is none or it belongs to other work."""
        if not self.path.exists():
            return None
        try:
            state = torch.load(self.path, map_location="cpu", weights_only=True)
        except Exception as error:  # noqa: BLE001 - a damaged checkpoint means start over
            log.warning("ignoring unreadable checkpoint %s: %s", self.path, error)
            return None
        if not isinstance(state, dict) or state.get(FINGERPRINT) != self.fingerprint:
            log.warning(
                "ignoring checkpoint %s: it was saved for another candidate or configuration",
                self.path,
            )
            return None
        return {k: v for k, v in state.items() if k != FINGERPRINT}

    def save(self, state: Mapping[str, Any]) -> None:
        """Replace the checkpoint with ``state`` atomically (tensors, state dicts, numbers,
        strings and containers of them)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(f"{self.path.name}.{os.getpid()}.tmp")
        torch.save({**state, FINGERPRINT: self.fingerprint}, tmp)
        os.replace(tmp, self.path)

    def discard(self) -> None:
        """Remove the checkpoint (the candidate's training ended; nothing to resume)."""
        self.path.unlink(missing_ok=True)


def trial_checkpoint(directory: Path, trial: Trial, work: Mapping[str, Any]) -> EpochCheckpoint:
    """The checkpoint every attempt of ``trial``'s candidate shares, under ``directory``;
    ``work`` (JSON-able) says what is being trained, so a mismatch is never resumed."""
    first = getattr(trial, "first_attempt", trial.number)  # oneshot branch: before the merge
    path = directory / "checkpoints" / f"candidate-{first}.pt"
    return EpochCheckpoint(path, fingerprint_of(work))
