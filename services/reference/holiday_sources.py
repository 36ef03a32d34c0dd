"""Builds the working-day calendar from GOV.UK England-and-Wales bank holidays and court closures.

The GOV.UK list is the one HMCTS software uses, so it wins wherever it covers a year. It is read
from the copy shipped inside the `govuk-bank-holidays` package and never downloaded, so a service
computes the same deadlines on every start. Years the list does not cover fall back to the
rule-based `holidays` package, because a year with no bank holidays at all would silently bring
every deadline in it forward; `warn_if_rule_based` says so in the log for the dates a command uses.
"""

import datetime as dt
import functools
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass

import holidays
from govuk_bank_holidays.bank_holidays import BankHolidays

from services.core.calendar import WorkingDayCalendar

logger = logging.getLogger(__name__)

_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_CLOSURE_SEPARATORS = re.compile(r"[,\s]+")
_SATURDAY = 5


@dataclass(frozen=True, slots=True)
class HolidayList:
    """Bank holiday dates, and which requested years came from GOV.UK or from the rules."""

    dates: frozenset[dt.date]
    govuk_years: tuple[int, ...]
    fallback_years: tuple[int, ...]


def england_and_wales_bank_holidays(first_year: int, last_year: int) -> HolidayList:
    """Bank holidays for the years, from the GOV.UK list where it covers them, else from rules."""
    if last_year < first_year:
        raise ValueError(f"no years requested: last_year {last_year} < first_year {first_year}")
    requested = range(first_year, last_year + 1)
    published = _govuk_dates()
    covered = _years_covered(published)
    govuk_years = tuple(year for year in requested if year in covered)
    fallback_years = tuple(year for year in requested if year not in covered)
    dates = {day for day in published if day.year in govuk_years}
    if fallback_years:
        dates |= _rule_based_dates(fallback_years)
    return HolidayList(frozenset(dates), govuk_years, fallback_years)


def build_calendar(
    closures: Iterable[dt.date] = (), first_year: int = 2010, last_year: int = 2045
) -> WorkingDayCalendar:
    """The working-day calendar for 1 Jan first_year to 31 Dec last_year, with court closures."""
    return _cached_calendar(tuple(sorted(set(closures))), first_year, last_year)


def warn_if_rule_based(first: dt.date, last: dt.date) -> None:
    """Log a warning when any year from first to last takes its bank holidays from the rules."""
    covered = _years_covered(_govuk_dates())
    fallback = tuple(year for year in range(first.year, last.year + 1) if year not in covered)
    if fallback:
        _warn_about_fallback(fallback)


def parse_closure_days(text: str) -> tuple[dt.date, ...]:
    """Parses comma- or whitespace-separated ISO dates (YYYY-MM-DD); an empty text gives ()."""
    items = [item for item in _CLOSURE_SEPARATORS.split(text) if item]
    return tuple(_parse_iso_date(item) for item in items)


@functools.lru_cache(maxsize=8)
def _cached_calendar(
    closures: tuple[dt.date, ...], first_year: int, last_year: int
) -> WorkingDayCalendar:
    bank_holidays = england_and_wales_bank_holidays(first_year, last_year)
    return WorkingDayCalendar(
        bank_holidays.dates | set(closures),
        first=dt.date(first_year, 1, 1),
        last=dt.date(last_year, 12, 31),
    )


@functools.cache
def _govuk_dates() -> frozenset[dt.date]:
    bank_holidays = BankHolidays(use_cached_holidays=True)
    events = bank_holidays.get_holidays(division=BankHolidays.ENGLAND_AND_WALES)
    return frozenset(event["date"] for event in events)


def _years_covered(dates: frozenset[dt.date]) -> frozenset[int]:
    # A year with no dates is a gap in (or beyond) the list, never a year without bank holidays.
    return frozenset(day.year for day in dates)


def _rule_based_dates(years: tuple[int, ...]) -> set[dt.date]:
    rules = holidays.country_holidays("GB", subdiv="ENG", years=years)
    # The rules also list the weekend day a holiday nominally falls on, beside its substitute
    # weekday; keep weekdays only so both sources mean the same thing by a bank holiday.
    return {day for day in rules if day.weekday() < _SATURDAY}


def _warn_about_fallback(years: tuple[int, ...]) -> None:
    logger.warning(
        "Bank holidays for %s use rule-based dates from the holidays package, not the published "
        "GOV.UK England-and-Wales list, so one-off bank holidays (such as a coronation or a "
        "state funeral) may be missing and deadlines in those years may be early",
        _year_ranges(years),
    )


def _year_ranges(years: tuple[int, ...]) -> str:
    """Years as ranges: (2010, 2011, 2029, 2030, 2031) -> '2010-2011, 2029-2031'."""
    runs: list[list[int]] = []
    for year in sorted(years):
        if runs and year == runs[-1][-1] + 1:
            runs[-1].append(year)
        else:
            runs.append([year])
    return ", ".join(str(run[0]) if len(run) == 1 else f"{run[0]}-{run[-1]}" for run in runs)


def _parse_iso_date(item: str) -> dt.date:
    if _ISO_DATE.fullmatch(item):
        try:
            return dt.date.fromisoformat(item)
        except ValueError:
            pass
    raise ValueError(f"closure day {item!r} is not a valid ISO date (YYYY-MM-DD)")
