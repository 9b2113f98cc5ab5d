"""The objective of examples/hpo-quadratic.yaml: a noisy bowl with a categorical twist.

It reports an intermediate value per "epoch", as a training loop would, and stops early when
the scheduler says so. Runnable on its own: python examples/quadratic.py
"""

from __future__ import annotations

import math


def objective(trial):  # type: ignore[no-untyped-def]
    x, y = trial.params["x"], trial.params["y"]
    shape = trial.params["shape"]
    curvature = trial.params.get("curvature", 1.0)  # only active when shape == "bowl"
    loss = math.inf
    for epoch in range(5):
        scale = 1.0 + 1.0 / (epoch + 1)  # the loss settles as "training" goes on
        if shape == "bowl":
            loss = scale * curvature * ((x - 1.5) ** 2 + (y - 3) ** 2 / 10)
        else:
            loss = scale * (abs(x - 1.5) + abs(y - 3)) + 0.5
        trial.report(epoch, loss=loss)
        if trial.should_stop():
            break
    return {"loss": loss, "distance": math.hypot(x - 1.5, y - 3)}


if __name__ == "__main__":

    class _Fixed:
        params = {"x": 1.0, "y": 2, "shape": "bowl", "curvature": 0.5}

        def report(self, step: int, **metrics: float) -> None:
            print(f"epoch={step}", *(f"{k}={v:.4f}" for k, v in metrics.items()))

        def should_stop(self) -> bool:
            return False

    print(objective(_Fixed()))
