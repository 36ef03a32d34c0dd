"""Working hours between two instants: 09:00-17:00 Europe/London on working days only."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.core.working_hours import (
    is_working_day,
    silent_working_hours,
    working_hours_between,
    working_seconds_between,
)
from services.reference.holiday_sources import build_calendar

LONDON = ZoneInfo("Europe/London")
CALENDAR = build_calendar((), 2020, 2030)


def london(*parts: int) -> dt.datetime:
    return dt.datetime(*parts, tzinfo=LONDON)


def hours(start: dt.datetime, end: dt.datetime, calendar=CALENDAR) -> float:
    return working_hours_between(start, end, calendar, LONDON)


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        # within one working day (Tue 4 Mar 2025)
        (london(2025, 3, 4, 10), london(2025, 3, 4, 12, 30), 2.5),
        # before opening and after closing count nothing
        (london(2025, 3, 4, 6), london(2025, 3, 4, 9), 0),
        (london(2025, 3, 4, 17), london(2025, 3, 4, 23, 59), 0),
        (london(2025, 3, 4, 6), london(2025, 3, 4, 20), 8),
        # 17:00 to 09:00 the next morning is no time at all
        (london(2025, 3, 4, 17), london(2025, 3, 5, 9), 0),
        (london(2025, 3, 4, 16), london(2025, 3, 5, 10), 2),
        # a weekend adds nothing: Fri 16:00 to Mon 10:00
        (london(2025, 3, 7, 16), london(2025, 3, 10, 10), 2),
        (london(2025, 3, 8, 12), london(2025, 3, 9, 12), 0),
        # a whole working week
        (london(2025, 3, 10, 9), london(2025, 3, 14, 17), 40),
        (london(2025, 3, 7, 17), london(2025, 3, 17, 9), 40),
        # Easter: Good Friday 18 and Easter Monday 21 April 2025 are bank holidays
        (london(2025, 4, 17, 16), london(2025, 4, 22, 10), 2),
        (london(2025, 4, 18, 10), london(2025, 4, 21, 16), 0),
        # Christmas and Boxing Day 2025 (Thu, Fri), then the weekend
        (london(2025, 12, 24, 16), london(2025, 12, 29, 10), 2),
        # the clocks go forward on Sun 30 March 2025: still 2 working hours
        (london(2025, 3, 28, 16), london(2025, 3, 31, 10), 2),
        # and back on Sun 26 October 2025
        (london(2025, 10, 24, 16), london(2025, 10, 27, 10), 2),
        # a working day in summer time is 8 hours too
        (london(2025, 7, 1, 0), london(2025, 7, 2, 0), 8),
        # the end before the start: none
        (london(2025, 3, 5, 12), london(2025, 3, 4, 12), 0),
    ],
)
def test_working_hours_count_only_working_time(start, end, expected):
    assert hours(start, end) == pytest.approx(expected)


def test_hours_are_the_courts_local_hours_whatever_zone_the_instants_are_in():
    # 08:30 UTC on 31 March 2025 is 09:30 in London (summer time): half a working hour by 09:00 UTC
    start = dt.datetime(2025, 3, 31, 8, 30, tzinfo=dt.UTC)
    end = dt.datetime(2025, 3, 31, 9, 0, tzinfo=dt.UTC)
    assert hours(start, end) == pytest.approx(0.5)
    # and in winter 08:30 UTC is 08:30 in London: nothing yet
    winter = (
        dt.datetime(2025, 1, 6, 8, 30, tzinfo=dt.UTC),
        dt.datetime(2025, 1, 6, 9, 0, tzinfo=dt.UTC),
    )
    assert hours(*winter) == 0


def test_a_court_closure_day_is_not_working_time():
    closed = build_calendar((dt.date(2025, 12, 24),), 2020, 2030)
    start, end = london(2025, 12, 23, 16), london(2025, 12, 29, 10)
    assert hours(start, end, closed) == pytest.approx(2)
    assert hours(start, end) == pytest.approx(10)


def test_local_times_without_a_zone_are_refused():
    with pytest.raises(ValueError, match="aware"):
        working_seconds_between(
            dt.datetime(2025, 3, 4, 9), london(2025, 3, 4, 10), CALENDAR, LONDON
        )


def test_is_working_day_follows_the_calendar():
    assert is_working_day(dt.date(2025, 3, 4), CALENDAR)
    assert not is_working_day(dt.date(2025, 3, 8), CALENDAR)  # Saturday
    assert not is_working_day(dt.date(2025, 4, 21), CALENDAR)  # Easter Monday


def test_silence_per_site():
    now = london(2025, 3, 10, 11)  # Monday
    seen = {"dorset": london(2025, 3, 10, 10, 30), "birmingham": london(2025, 3, 6, 17, 30)}
    assert silent_working_hours(seen, now, CALENDAR, LONDON) == pytest.approx(
        {"birmingham": 10.0, "dorset": 0.5}  # Friday whole, Monday to 11:00
    )


def _minute_by_minute(start: dt.datetime, end: dt.datetime) -> float:
    """The reference: every minute whose start is a working minute in London."""
    minutes = 0
    at = start.astimezone(dt.UTC)
    while at < end:
        local = at.astimezone(LONDON)
        if is_working_day(local.date(), CALENDAR) and 9 <= local.hour < 17:
            minutes += 1
        at += dt.timedelta(minutes=1)
    return minutes / 60


@settings(max_examples=40, deadline=None)
@given(
    start=st.datetimes(dt.datetime(2024, 12, 20), dt.datetime(2026, 1, 5)),
    span=st.integers(min_value=0, max_value=6 * 24 * 60),
)
def test_agrees_with_counting_minute_by_minute(start, span):
    start = start.replace(second=0, microsecond=0, tzinfo=dt.UTC)
    end = start + dt.timedelta(minutes=span)
    assert hours(start, end) == pytest.approx(_minute_by_minute(start, end))
