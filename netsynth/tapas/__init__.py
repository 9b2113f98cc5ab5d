"""TAPAS (Istrate et al. 2018): train-less accuracy prediction.

Dataset characterization (a probe network's DCN), the lifelong database of experiments (LDE,
in the storage), the LSTM train-less accuracy predictor (TAP) with its layer-by-layer
encoding, ``estimator: tapas``, and zero-cost proxies for comparison. Submodules import
PyTorch; this package itself does not.
"""

from netsynth.tapas.lde import DEFAULT_TAU, LifelongDatabase
from netsynth.tapas.lde_record import LDERecord

__all__ = ["DEFAULT_TAU", "LDERecord", "LifelongDatabase"]
