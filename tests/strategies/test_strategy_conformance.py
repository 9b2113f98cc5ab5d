"""Every registered strategy through the shared conformance suite (netsynth/testing)."""

from netsynth.testing.strategy_suite import (  # noqa: F401
    test_every_strategy_is_reproducible_in_a_fresh_process,
    test_proposes_valid_candidates,
    test_resume_after_crash_proposes_what_an_uninterrupted_run_would,
)
