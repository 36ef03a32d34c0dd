import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.core.calendar import CalendarRangeError, WorkingDayCalendar

FIRST = dt.date(2024, 1, 1)
LAST = dt.date(2026, 12, 31)
# Christmas 2024 falls on a Wednesday: Tuesday 24 is working, 25 and 26 are not.
CHRISTMAS_2024 = frozenset({dt.date(2024, 12, 25), dt.date(2024, 12, 26), dt.date(2025, 1, 1)})


def calendar_with(non_working_days: frozenset[dt.date] = CHRISTMAS_2024) -> WorkingDayCalendar:
    return WorkingDayCalendar(non_working_days, first=FIRST, last=LAST)


def naive_add(non_working_days: frozenset[dt.date], start: dt.date, n: int) -> dt.date:
    day = start
    while n:
        day += dt.timedelta(days=1)
        if day.weekday() < 5 and day not in non_working_days:
            n -= 1
    return day


def test_weekdays_are_working_days_and_weekends_are_not():
    calendar = calendar_with(frozenset())
    assert calendar.is_working_day(dt.date(2024, 6, 7))  # Friday
    assert not calendar.is_working_day(dt.date(2024, 6, 8))  # Saturday
    assert not calendar.is_working_day(dt.date(2024, 6, 9))  # Sunday
    assert calendar.is_working_day(dt.date(2024, 6, 10))  # Monday


def test_a_listed_non_working_day_is_not_a_working_day():
    calendar = calendar_with()
    assert calendar.is_working_day(dt.date(2024, 12, 24))
    assert not calendar.is_working_day(dt.date(2024, 12, 25))
    assert calendar.is_working_day(dt.date(2024, 12, 27))


def test_the_first_day_of_the_range_is_classified_like_any_other():
    assert calendar_with(frozenset()).is_working_day(FIRST)  # Monday 1 Jan 2024
    assert not calendar_with(frozenset({FIRST})).is_working_day(FIRST)


def test_the_start_day_is_not_counted():
    assert calendar_with().add_working_days(dt.date(2024, 6, 10), 1) == dt.date(2024, 6, 11)


def test_from_a_saturday_the_following_monday_is_working_day_one():
    assert calendar_with().add_working_days(dt.date(2024, 6, 8), 1) == dt.date(2024, 6, 10)


def test_from_a_holiday_the_next_working_day_is_working_day_one():
    assert calendar_with().add_working_days(dt.date(2024, 12, 25), 1) == dt.date(2024, 12, 27)


def test_adding_skips_weekends_and_holidays():
    # Mon 23 Dec 2024: Tue 24 (1), Fri 27 (2), Mon 30 (3), Tue 31 (4), Thu 2 Jan (5).
    assert calendar_with().add_working_days(dt.date(2024, 12, 23), 5) == dt.date(2025, 1, 2)


def test_adding_zero_returns_the_start_even_on_a_weekend():
    assert calendar_with().add_working_days(dt.date(2024, 6, 8), 0) == dt.date(2024, 6, 8)


def test_adding_a_negative_number_is_refused():
    with pytest.raises(ValueError, match="negative"):
        calendar_with().add_working_days(dt.date(2024, 6, 10), -1)


def test_working_days_between_excludes_start_and_includes_end():
    calendar = calendar_with()
    assert calendar.working_days_between(dt.date(2024, 12, 23), dt.date(2025, 1, 2)) == 5
    assert calendar.working_days_between(dt.date(2024, 6, 7), dt.date(2024, 6, 10)) == 1


def test_working_days_between_is_zero_when_end_is_not_after_start():
    calendar = calendar_with()
    assert calendar.working_days_between(dt.date(2024, 6, 10), dt.date(2024, 6, 10)) == 0
    assert calendar.working_days_between(dt.date(2024, 6, 14), dt.date(2024, 6, 10)) == 0


def test_an_empty_range_is_refused():
    with pytest.raises(ValueError, match="empty"):
        WorkingDayCalendar((), first=LAST, last=FIRST)


@pytest.mark.parametrize("outside", [dt.date(2023, 12, 31), dt.date(2027, 1, 1)])
def test_every_operation_refuses_a_date_outside_the_range(outside):
    calendar = calendar_with()
    inside = dt.date(2025, 6, 2)
    for operation in (
        lambda: calendar.is_working_day(outside),
        lambda: calendar.add_working_days(outside, 1),
        lambda: calendar.add_working_days(outside, 0),
        lambda: calendar.working_days_between(outside, inside),
        lambda: calendar.working_days_between(inside, outside),
    ):
        with pytest.raises(CalendarRangeError, match=f"{outside}.*2024-01-01 to 2026-12-31"):
            operation()


def test_a_result_beyond_the_range_is_refused_naming_the_start_and_range():
    with pytest.raises(CalendarRangeError, match=r"2026-12-01.*2024-01-01 to 2026-12-31"):
        calendar_with().add_working_days(dt.date(2026, 12, 1), 40)


def test_the_last_working_day_of_the_range_can_be_reached():
    # Thursday 31 Dec 2026 is the last day covered.
    assert calendar_with().add_working_days(dt.date(2026, 12, 30), 1) == LAST


def test_range_errors_are_value_errors():
    assert issubclass(CalendarRangeError, ValueError)


def test_the_calendar_reports_its_range():
    calendar = calendar_with()
    assert (calendar.first, calendar.last) == (FIRST, LAST)


# Property tests over random holiday sets; starts and counts leave room inside the range.
holiday_sets = st.frozensets(st.dates(min_value=FIRST, max_value=LAST), max_size=40)
starts = st.dates(min_value=FIRST, max_value=dt.date(2025, 12, 31))
counts = st.integers(min_value=0, max_value=120)


@given(holiday_sets, starts, counts)
def test_adding_matches_counting_day_by_day(non_working_days, start, n):
    calendar = calendar_with(non_working_days)
    assert calendar.add_working_days(start, n) == naive_add(non_working_days, start, n)


@given(holiday_sets, starts, counts)
def test_counting_the_days_added_gives_back_n(non_working_days, start, n):
    calendar = calendar_with(non_working_days)
    assert calendar.working_days_between(start, calendar.add_working_days(start, n)) == n


@given(holiday_sets, starts, counts.filter(lambda n: n > 0))
def test_adding_at_least_one_day_lands_on_a_working_day(non_working_days, start, n):
    calendar = calendar_with(non_working_days)
    due = calendar.add_working_days(start, n)
    assert due > start
    assert calendar.is_working_day(due)


@given(holiday_sets, starts, starts, counts)
def test_a_later_start_never_gives_an_earlier_due_date(non_working_days, one, other, n):
    calendar = calendar_with(non_working_days)
    earlier, later = sorted((one, other))
    assert calendar.add_working_days(earlier, n) <= calendar.add_working_days(later, n)


@given(holiday_sets, starts, counts)
def test_one_more_working_day_is_strictly_later(non_working_days, start, n):
    calendar = calendar_with(non_working_days)
    assert calendar.add_working_days(start, n) < calendar.add_working_days(start, n + 1)


@given(holiday_sets, starts, starts, starts)
def test_counts_add_up_across_an_intermediate_date(non_working_days, a, b, c):
    calendar = calendar_with(non_working_days)
    start, middle, end = sorted((a, b, c))
    whole = calendar.working_days_between(start, end)
    assert whole == (
        calendar.working_days_between(start, middle) + calendar.working_days_between(middle, end)
    )


@given(
    holiday_sets,
    st.one_of(
        st.dates(max_value=FIRST - dt.timedelta(days=1)),
        st.dates(min_value=LAST + dt.timedelta(days=1)),
    ),
)
def test_any_date_outside_the_range_is_refused(non_working_days, outside):
    with pytest.raises(CalendarRangeError):
        calendar_with(non_working_days).is_working_day(outside)
