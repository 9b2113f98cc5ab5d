"""The time limit's forms, its split, and the checks a user meets when giving one."""

from __future__ import annotations

import pytest

from netsynth.time_limit import DurationError, TimePlan, format_duration, parse_duration


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("90s", 90.0), ("10m", 600.0), ("1h", 3600.0), ("1.5h", 5400.0), (45, 45.0), ("30", 30.0)],
)
def test_accepted_forms(text: str | int, seconds: float) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("bad", ["10 minutes", "m", "-5s", 0, True, "", "1d"])
def test_refused_forms_say_what_is_accepted(bad: object) -> None:
    with pytest.raises(DurationError) as info:
        parse_duration(bad)
    assert "90s" in str(info.value) or "more than 0" in str(info.value)


def test_the_split_covers_the_limit_and_leaves_the_final_training_a_share() -> None:
    for limit in (20.0, 600.0, 3600.0):
        plan = TimePlan.for_limit(limit)
        assert 0 < plan.prepare < plan.search_ends_at < limit
        assert plan.search_ends_at + plan.final == pytest.approx(limit)
        assert plan.search > 0 and plan.export_reserve < plan.final
        assert plan.grace == max(0.05 * limit, 30.0)


def test_the_search_budget_must_be_shorter_than_the_limit() -> None:
    assert TimePlan.for_limit(600, search_wall=100).search == 100
    with pytest.raises(DurationError, match="must be less than the time limit"):
        TimePlan.for_limit(600, search_wall=600)


def test_durations_read_back_as_people_write_them() -> None:
    assert [format_duration(s) for s in (5, 61, 3600, 5400)] == ["5s", "1m 1s", "1h", "1h 30m"]
