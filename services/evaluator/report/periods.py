"""Calendar periods of a report: months or quarters, the last cut at the as-of date."""

import datetime as dt
from dataclasses import dataclass

MONTH = "month"
QUARTER = "quarter"
PERIOD_KINDS = (MONTH, QUARTER)


@dataclass(frozen=True, slots=True)
class Period:
    start: dt.date
    end: dt.date  # inclusive
    partial: bool  # cut at the as-of date before the calendar period ends

    def holds(self, day: dt.date) -> bool:
        return self.start <= day <= self.end


def period_start(day: dt.date, kind: str) -> dt.date:
    """The first day of the month or quarter holding `day`."""
    month = day.month if kind == MONTH else 3 * ((day.month - 1) // 3) + 1
    return dt.date(day.year, month, 1)


def _next_start(start: dt.date, kind: str) -> dt.date:
    months = 1 if kind == MONTH else 3
    index = start.year * 12 + start.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def periods_between(first: dt.date, as_of: dt.date, kind: str) -> list[Period]:
    """Every period from the one holding `first` to the one holding `as_of`, cut at `as_of`."""
    if kind not in PERIOD_KINDS:
        raise ValueError(f"period must be one of {', '.join(PERIOD_KINDS)}, not {kind!r}")
    found = []
    start = period_start(first, kind)
    while start <= as_of:
        following = _next_start(start, kind)
        calendar_end = following - dt.timedelta(days=1)
        found.append(Period(start, min(calendar_end, as_of), calendar_end > as_of))
        start = following
    return found


class PeriodIndex:
    """The index of the period holding a date, by arithmetic on year and month."""

    def __init__(self, periods: list[Period], kind: str) -> None:
        self.periods = periods
        self._months = 1 if kind == MONTH else 3
        self._first = self._ordinal(periods[0].start) if periods else 0

    def _ordinal(self, day: dt.date) -> int:
        return (day.year * 12 + day.month - 1) // self._months

    def of(self, day: dt.date | None) -> int | None:
        """The index of the period holding `day`, or None outside the report's periods."""
        if day is None or not self.periods or day > self.periods[-1].end:
            return None
        index = self._ordinal(day) - self._first
        return index if index >= 0 else None
