"""The fidelity knobs a scheduler may turn, and how each is counted."""

from __future__ import annotations

# epochs: whole epochs (the report step of a training run); data_fraction: the share of the
# training split a trial trains on, in (0, 1]; width_multiplier: channels scaled, in (0, 1].
FIDELITIES = ("epochs", "data_fraction", "width_multiplier")
FRACTIONS = ("data_fraction", "width_multiplier")


def check_fidelity(name: str) -> None:
    if name not in FIDELITIES:
        raise ValueError(f"unknown fidelity {name!r}; known: {', '.join(FIDELITIES)}")
