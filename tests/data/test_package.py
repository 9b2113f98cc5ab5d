"""The package surface: torch stays unimported until augment is used, and the re-exported
``augment`` is the function whichever way it was imported first."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import REPO


def run(code: str) -> str:
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_import_does_not_load_torch_and_augment_stays_a_function() -> None:
    code = (
        "import sys, netsynth.data\n"
        "print('torch' in sys.modules)\n"
        "from netsynth.data.augmentation import augment as direct\n"  # loads the submodule
        "from netsynth.data import augment\n"
        "print(augment is direct, 'torch' in sys.modules)\n"
    )
    assert run(code).split() == ["False", "True", "True"]
