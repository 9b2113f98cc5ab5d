"""Every scheduler through the shared conformance suite (netsynth/testing)."""

from netsynth.testing.scheduler_suite import (  # noqa: F401
    test_decisions_are_deterministic_given_the_same_history,
    test_no_rung_promotes_more_than_its_share,
    test_resume_after_crash_takes_the_same_decisions,
    test_several_workers_keep_the_shares,
)
