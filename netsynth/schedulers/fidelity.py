"""The fidelity knobs a scheduler may turn, and how each is counted."""

from __future__ import annotations

# epochs: whole epochs (the report step of a training run); data_fraction: the share of the
# training split a trial trains on, in (0, 1]; width_multiplier: channels scaled, in (0, 1];
# resolution: sequences or images scaled down to that share of their length / height and width.
FIDELITIES = ("epochs", "data_fraction", "width_multiplier", "resolution")
FRACTIONS = ("data_fraction", "width_multiplier", "resolution")


def check_fidelity(name: str) -> None:
    if name not in FIDELITIES:
        raise ValueError(f"unknown fidelity {name!r}; known: {', '.join(FIDELITIES)}")
