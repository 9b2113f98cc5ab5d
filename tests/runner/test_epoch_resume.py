"""A driver SIGKILLed in the middle of a long trial: ``netsynth resume`` reaps the lost trial
and retries its candidate, which continues from the last epoch checkpoint, not from scratch."""

from __future__ import annotations

import signal
import time
from pathlib import Path

from netsynth.runner.retries import RETRY_OF
from netsynth.storage import open_storage
from netsynth.trial_record import LOST_WORKER, TrialState
from tests.conftest import cli, popen_cli, write_spec

EPOCHS = 6
SPEC = f"""
name: long-trial
data: {{dataset: digits}}
space:
  type: chain
  min_layers: 2
  max_layers: 2
  ops: [conv]
  kernels: [3]
  widths: [32]
  norms: [batch]
  training: {{optimizer: adamw, lr: 0.003, batch_size: 32, epochs: {EPOCHS}}}
seed: 1
budget: {{max_trials: 1}}
final: {{top_k: 1, epochs: 1, export_dir: models}}
execution: {{heartbeat_seconds: 0.2, lost_after_seconds: 1.0, max_retries: 1}}
"""
CHECKPOINT = Path("models") / "checkpoints" / "candidate-0.pt"


def test_a_resumed_experiment_continues_a_killed_trial_from_its_epoch_checkpoint(
    tmp_path: Path, sqlite_url: str
) -> None:
    spec = write_spec(tmp_path, SPEC)
    driver = popen_cli("run", str(spec), "--storage", sqlite_url, "--no-progress", cwd=tmp_path)
    checkpoint = tmp_path / CHECKPOINT
    deadline = time.monotonic() + 120
    while not checkpoint.exists():  # the first epoch is done and saved
        assert driver.poll() is None, driver.communicate()
        assert time.monotonic() < deadline, "no checkpoint within 120 s"
        time.sleep(0.01)
    driver.send_signal(signal.SIGKILL)
    driver.communicate()
    assert checkpoint.exists(), "the trial finished before the kill; make it longer"

    result = cli("resume", "long-trial", "--storage", sqlite_url, "--no-progress", cwd=tmp_path)
    assert result.returncode == 0, result.stderr

    storage = open_storage(sqlite_url)
    experiment = storage.get_experiment("long-trial")
    lost, retry = storage.trials(experiment.id)
    assert lost.state is TrialState.FAILED and LOST_WORKER in (lost.reason or "")
    assert retry.state is TrialState.COMPLETE
    assert retry.attrs[RETRY_OF] == 0
    resumed = retry.attrs["resumed_from_epoch"]
    assert 1 <= resumed < EPOCHS
    assert retry.metrics["epochs"] == EPOCHS  # trained to the end, in all
    steps = [report.step for report in retry.reports]
    assert steps == list(range(1, EPOCHS + 1))  # the whole curve, the restored part included
    assert not checkpoint.exists()  # done: nothing left to resume
