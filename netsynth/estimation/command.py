"""Katib-style trials: run a command, read metrics from what it prints.

Parameters reach the command as ``${name}`` placeholders in its arguments and as the JSON in
the ``NETSYNTH_PARAMS`` environment variable. Every output line with ``name=value`` pairs
(``epoch=3 val_acc=0.91``) is a report; ``step`` or ``epoch`` in the line gives its step.
The last value of each metric is the trial's result. When the scheduler stops the trial the
command receives SIGTERM. A training script stays runnable without netsynth.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import tempfile
from collections import deque
from collections.abc import Sequence
from string import Template
from typing import Any

from netsynth.estimation.estimator import EstimateResult
from netsynth.trial import Trial, TrialPruned

_PAIR = re.compile(
    r"([A-Za-z_][\w.\-/]*)\s*=\s*([-+]?(?:\d+\.?\d*(?:[eE][-+]?\d+)?|\.\d+(?:[eE][-+]?\d+)?|inf|nan))",
    re.IGNORECASE,
)
_STEP_KEYS = ("step", "epoch")


def parse_metrics(line: str) -> dict[str, float]:
    """``"epoch=2 loss=0.31 val_acc=0.9"`` -> ``{"epoch": 2.0, "loss": 0.31, "val_acc": 0.9}``."""
    return {name: float(value) for name, value in _PAIR.findall(line)}


class CommandEstimator:
    def __init__(self, command: Sequence[str], cwd: str | None = None) -> None:
        if not command:
            raise ValueError("command must not be empty")
        self.command = list(command)
        self.cwd = cwd

    def argv(self, params: dict[str, Any]) -> list[str]:
        values = {name: str(value) for name, value in params.items()}
        try:
            return [Template(arg).substitute(values) for arg in self.command]
        except KeyError as exc:
            raise ValueError(
                f"command uses ${{{exc.args[0]}}} but the trial has no such parameter; "
                f"parameters: {', '.join(sorted(values)) or '(none)'}"
            ) from None

    def estimate(self, trial: Trial) -> EstimateResult:
        env = dict(os.environ)
        env["NETSYNTH_PARAMS"] = json.dumps(trial.params)
        env["NETSYNTH_FIDELITY"] = json.dumps(trial.fidelity)
        env["NETSYNTH_TRIAL_NUMBER"] = str(trial.number)
        latest: dict[str, float] = {}
        tail: deque[str] = deque(maxlen=20)
        with tempfile.TemporaryFile("w+") as stderr:
            process = subprocess.Popen(
                self.argv(trial.params),
                cwd=self.cwd,
                env=env,
                stdout=subprocess.PIPE,
                stderr=stderr,
                text=True,
                bufsize=1,
            )
            assert process.stdout is not None
            steps = 0
            stopped = False
            for line in process.stdout:
                tail.append(line.rstrip())
                metrics = parse_metrics(line)
                if not metrics:
                    continue
                latest.update(metrics)
                step = next((int(metrics[k]) for k in _STEP_KEYS if k in metrics), steps)
                steps = step + 1
                reported = {k: v for k, v in metrics.items() if k not in _STEP_KEYS}
                if reported:
                    trial.report(step, **reported)
                    if trial.should_stop():
                        stopped = True
                        process.terminate()
                        break
            process.stdout.close()
            code = process.wait()
            if stopped:
                raise TrialPruned()
            if code != 0:
                stderr.seek(0)
                err = [line.rstrip() for line in stderr.readlines()[-10:]]
                detail = " | ".join(err or list(tail)[-5:])
                raise RuntimeError(f"command exited with code {code}: {detail}")
        return {k: v for k, v in latest.items() if k not in _STEP_KEYS}

    def to_dict(self) -> dict[str, Any]:
        return {"type": "command", "command": self.command, "cwd": self.cwd}
