"""A plain training script, runnable without netsynth, used by examples/hpo-command.yaml.

It prints `epoch=N val_acc=X` lines; netsynth reads them as reports (Katib-style).
    python examples/train_script.py --lr 0.01 --width 32
"""

from __future__ import annotations

import argparse
import math

parser = argparse.ArgumentParser()
parser.add_argument("--lr", type=float, required=True)
parser.add_argument("--width", type=int, required=True)
args = parser.parse_args()

for epoch in range(4):
    val_acc = 0.97 - 0.04 * (math.log10(args.lr) + 2) ** 2 - 2.0 / args.width - 0.05 / (epoch + 1)
    print(f"epoch={epoch} val_acc={val_acc:.5f}", flush=True)
