"""netsynth's version, in a module of its own so that provenance records can name it without
importing the package's public surface."""

from __future__ import annotations

__version__ = "0.1.0"
