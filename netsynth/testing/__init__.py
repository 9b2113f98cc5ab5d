"""Test support for netsynth: ``StorageConformance``, the suite every storage backend passes.

Importing this package needs pytest and hypothesis (the ``dev`` extra).
"""

import pytest

# Plain ``assert`` in the suite gets pytest's detailed failure messages.
pytest.register_assert_rewrite("netsynth.testing.storage_suite")

from netsynth.testing.storage_suite import StorageConformance  # noqa: E402

__all__ = ["StorageConformance"]
