"""Working days against the GOV.UK England-and-Wales list shipped with govuk-bank-holidays.

Every expected date here was checked against that shipped list, not written from memory.
"""

import datetime as dt
import logging
import re

import pytest

from services.reference.holiday_sources import (
    build_calendar,
    england_and_wales_bank_holidays,
    parse_closure_days,
    warn_if_rule_based,
)

D = dt.date
FORTY = 40


@pytest.fixture(scope="module")
def calendar():
    return build_calendar()


@pytest.mark.parametrize(
    ("working_before", "bank_holidays", "working_after"),
    [
        pytest.param(
            D(2024, 3, 28), [D(2024, 3, 29), D(2024, 4, 1)], D(2024, 4, 2), id="easter-2024"
        ),
        pytest.param(
            D(2025, 4, 17), [D(2025, 4, 18), D(2025, 4, 21)], D(2025, 4, 22), id="easter-2025"
        ),
        pytest.param(D(2024, 5, 3), [D(2024, 5, 6)], D(2024, 5, 7), id="early-may-2024"),
        pytest.param(D(2024, 5, 24), [D(2024, 5, 27)], D(2024, 5, 28), id="spring-2024"),
        pytest.param(D(2024, 8, 23), [D(2024, 8, 26)], D(2024, 8, 27), id="summer-2024"),
        pytest.param(D(2025, 5, 2), [D(2025, 5, 5)], D(2025, 5, 6), id="early-may-2025"),
        pytest.param(D(2025, 5, 23), [D(2025, 5, 26)], D(2025, 5, 27), id="spring-2025"),
        pytest.param(D(2025, 8, 22), [D(2025, 8, 25)], D(2025, 8, 26), id="summer-2025"),
        pytest.param(
            D(2024, 12, 24),
            [D(2024, 12, 25), D(2024, 12, 26)],
            D(2024, 12, 27),
            id="christmas-2024",
        ),
        # 25 Dec 2022 was a Sunday: Boxing Day Monday 26, Christmas substitute Tuesday 27.
        pytest.param(
            D(2022, 12, 23),
            [D(2022, 12, 26), D(2022, 12, 27)],
            D(2022, 12, 28),
            id="christmas-2022-substitute",
        ),
        # 25 and 26 Dec 2021 were a weekend: both substitutes fall on Monday 27 and Tuesday 28.
        pytest.param(
            D(2021, 12, 24),
            [D(2021, 12, 27), D(2021, 12, 28)],
            D(2021, 12, 29),
            id="christmas-2021-substitutes",
        ),
        # 1 Jan 2023 was a Sunday.
        pytest.param(
            D(2022, 12, 30), [D(2023, 1, 2)], D(2023, 1, 3), id="new-year-2023-substitute"
        ),
        pytest.param(D(2022, 9, 16), [D(2022, 9, 19)], D(2022, 9, 20), id="state-funeral-2022"),
        pytest.param(D(2023, 5, 5), [D(2023, 5, 8)], D(2023, 5, 9), id="coronation-2023"),
        # Years when GOV.UK moved a regular holiday, which no simple rule predicts.
        pytest.param(
            D(2020, 5, 7), [D(2020, 5, 8)], D(2020, 5, 11), id="ve-day-2020-early-may-moved"
        ),
        pytest.param(
            D(2022, 6, 1),
            [D(2022, 6, 2), D(2022, 6, 3)],
            D(2022, 6, 6),
            id="jubilee-2022-spring-moved",
        ),
    ],
)
def test_bank_holidays_are_not_working_days_but_the_days_either_side_are(
    calendar, working_before, bank_holidays, working_after
):
    assert calendar.is_working_day(working_before)
    assert not any(calendar.is_working_day(day) for day in bank_holidays)
    assert calendar.is_working_day(working_after)
    assert calendar.add_working_days(working_before, 1) == working_after


def test_the_usual_dates_of_moved_holidays_are_working_days(calendar):
    assert calendar.is_working_day(D(2020, 5, 4))  # the first Monday of May 2020
    assert calendar.is_working_day(D(2022, 5, 30))  # the last Monday of May 2022


@pytest.mark.parametrize(
    "order_made",
    [
        pytest.param(D(2024, 6, 7), id="friday"),
        pytest.param(D(2024, 6, 8), id="saturday"),
        pytest.param(D(2024, 6, 9), id="sunday"),
    ],
)
def test_an_order_made_friday_to_sunday_is_due_the_same_friday(calendar, order_made):
    # No bank holiday between June and 2 Aug 2024: from any of Fri 7 to Sun 9 June, working
    # day 1 is Mon 10 June, and 8 whole weeks later working day 40 is Fri 2 Aug 2024.
    assert calendar.add_working_days(order_made, FORTY) == D(2024, 8, 2)


def test_an_order_made_on_monday_is_due_eight_weeks_later(calendar):
    assert calendar.add_working_days(D(2024, 6, 10), FORTY) == D(2024, 8, 5)


def test_a_forty_day_window_across_christmas_skips_christmas_boxing_and_new_year(calendar):
    # Order Mon 2 Dec 2024. Days 1-4: Tue 3 to Fri 6 Dec; 5-9: 9-13 Dec; 10-14: 16-20 Dec;
    # 15-17: Mon 23, Tue 24, Fri 27 Dec (25, 26 bank holidays); 18-21: Mon 30, Tue 31 Dec,
    # Thu 2, Fri 3 Jan (1 Jan bank holiday); 22-26: 6-10 Jan; 27-31: 13-17 Jan;
    # 32-36: 20-24 Jan; 37-40: Mon 27 to Thu 30 Jan 2025.
    assert calendar.add_working_days(D(2024, 12, 2), FORTY) == D(2025, 1, 30)


def test_a_forty_day_window_across_easter_skips_good_friday_and_easter_monday(calendar):
    # Order Mon 3 Mar 2025. Days 1-4: 4-7 Mar; 5-29: five whole weeks to Fri 11 Apr;
    # 30-33: Mon 14 to Thu 17 Apr (Fri 18 Good Friday); 34-37: Tue 22 to Fri 25 Apr
    # (Mon 21 Easter Monday); 38-40: Mon 28 to Wed 30 Apr 2025.
    assert calendar.add_working_days(D(2025, 3, 3), FORTY) == D(2025, 4, 30)


def test_a_court_closure_day_moves_the_due_date():
    # The Christmas case above, with Tue 24 Dec 2024 closed: one more day, Fri 31 Jan 2025.
    with_closure = build_calendar(closures=[D(2024, 12, 24)])
    assert not with_closure.is_working_day(D(2024, 12, 24))
    assert with_closure.add_working_days(D(2024, 12, 2), FORTY) == D(2025, 1, 31)


def test_closures_do_not_leak_into_the_calendar_without_them(calendar):
    build_calendar(closures=[D(2024, 12, 24)])
    assert calendar.is_working_day(D(2024, 12, 24))


def test_the_calendar_is_built_once_per_set_of_arguments():
    assert build_calendar() is build_calendar()
    assert build_calendar([D(2024, 12, 24)]) is build_calendar((D(2024, 12, 24),))


def test_the_calendar_covers_whole_years(calendar):
    assert (calendar.first, calendar.last) == (D(2010, 1, 1), D(2045, 12, 31))


def test_the_published_list_supplies_the_years_it_covers():
    holidays = england_and_wales_bank_holidays(2020, 2026)
    assert holidays.govuk_years == tuple(range(2020, 2027))
    assert holidays.fallback_years == ()


def test_covered_years_log_no_fallback_warning(caplog):
    with caplog.at_level(logging.WARNING, logger="services.reference.holiday_sources"):
        england_and_wales_bank_holidays(2022, 2025)
        warn_if_rule_based(D(2022, 1, 1), D(2025, 12, 31))
    assert caplog.records == []


def test_a_year_beyond_the_published_list_falls_back_to_rules_with_one_warning(caplog):
    # given a year GOV.UK has not published yet
    with caplog.at_level(logging.WARNING, logger="services.reference.holiday_sources"):
        # when
        holidays = england_and_wales_bank_holidays(2034, 2036)
        warn_if_rule_based(D(2027, 6, 1), D(2036, 1, 2))
    # then Easter Monday (Easter Sunday is 25 Mar 2035) and Christmas still come from the rules
    assert holidays.fallback_years == (2034, 2035, 2036)
    assert {D(2035, 3, 23), D(2035, 3, 26), D(2035, 12, 25), D(2035, 12, 26)} <= holidays.dates
    [warning] = caplog.records
    assert warning.levelno == logging.WARNING
    assert "2029-2036" in warning.getMessage()
    assert "GOV.UK" in warning.getMessage()
    assert "one-off" in warning.getMessage()


def test_fallback_years_are_non_working_in_the_calendar(calendar):
    assert not calendar.is_working_day(D(2035, 3, 26))  # Easter Monday
    assert not calendar.is_working_day(D(2035, 12, 25))  # Christmas Day, a Tuesday
    assert calendar.is_working_day(D(2035, 12, 27))


def test_rule_based_dates_are_weekdays_like_the_published_ones():
    holidays = england_and_wales_bank_holidays(2010, 2045)
    assert all(day.weekday() < 5 for day in holidays.dates)


def test_no_requested_year_is_left_without_bank_holidays():
    holidays = england_and_wales_bank_holidays(2010, 2045)
    years_with_holidays = {day.year for day in holidays.dates}
    assert years_with_holidays == set(range(2010, 2046))
    assert set(holidays.govuk_years) | set(holidays.fallback_years) == years_with_holidays
    assert not set(holidays.govuk_years) & set(holidays.fallback_years)


def test_an_inverted_year_range_is_refused():
    with pytest.raises(ValueError, match="no years"):
        england_and_wales_bank_holidays(2026, 2025)


def test_closure_days_parse_from_commas_and_whitespace():
    text = " 2024-12-24, 2024-12-31\n2025-04-17 "
    assert parse_closure_days(text) == (D(2024, 12, 24), D(2024, 12, 31), D(2025, 4, 17))


@pytest.mark.parametrize("text", ["", "   ", " , "])
def test_no_closure_days_parse_to_an_empty_tuple(text):
    assert parse_closure_days(text) == ()


@pytest.mark.parametrize(
    "bad", ["20241224", "2024-12-4", "2024-02-30", "24/12/2024", "2024-12-24T00"]
)
def test_a_malformed_closure_day_is_refused_by_name(bad):
    with pytest.raises(ValueError, match=re.escape(bad)):
        parse_closure_days(f"2024-12-31, {bad}")
