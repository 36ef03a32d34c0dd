"""The England-and-Wales working-day calendar used for every court deadline.

A working day is a Monday to Friday that is not a bank holiday and not a court closure day.
Counting follows HMCTS practice: the start day itself is never counted, so an order made on a
Saturday has the following Monday (if working) as working day 1.
"""

import datetime as dt
from array import array
from collections.abc import Iterable

_SATURDAY = 5


class CalendarRangeError(ValueError):
    """A date, or a result, falls outside the range the calendar covers."""


class WorkingDayCalendar:
    """Answers working-day questions in O(1) over a fixed, inclusive range of dates."""

    __slots__ = ("_first", "_last", "_working_day_ordinals", "_working_days_up_to")

    def __init__(self, non_working_days: Iterable[dt.date], first: dt.date, last: dt.date) -> None:
        if last < first:
            raise ValueError(f"calendar range is empty: last {last} is before first {first}")
        self._first = first
        self._last = last
        closed = frozenset(non_working_days)
        # _working_days_up_to[i]: working days in [first, first + i]; a difference of two
        # entries counts the working days between two dates without walking them.
        self._working_days_up_to = array("l")
        # _working_day_ordinals[k]: ordinal of working day number k + 1 in the range.
        self._working_day_ordinals = array("l")
        for ordinal in range(first.toordinal(), last.toordinal() + 1):
            day = dt.date.fromordinal(ordinal)
            if day.weekday() < _SATURDAY and day not in closed:
                self._working_day_ordinals.append(ordinal)
            self._working_days_up_to.append(len(self._working_day_ordinals))

    @property
    def first(self) -> dt.date:
        """The first date the calendar covers."""
        return self._first

    @property
    def last(self) -> dt.date:
        """The last date the calendar covers."""
        return self._last

    def is_working_day(self, day: dt.date) -> bool:
        """True when the day is a Monday to Friday that is neither a bank holiday nor a closure."""
        index = self._index(day)
        previous = self._working_days_up_to[index - 1] if index else 0
        return self._working_days_up_to[index] > previous

    def add_working_days(self, start: dt.date, n: int) -> dt.date:
        """The date n working days after start, not counting start itself."""
        if n < 0:
            raise ValueError(f"cannot add a negative number of working days: {n}")
        if n == 0:
            return self._checked(start)
        target = self._working_days_up_to[self._index(start)] + n
        if target > len(self._working_day_ordinals):
            raise CalendarRangeError(
                f"{n} working days after {start} falls after {self._last}, "
                f"the end of the calendar's range {self._describe_range()}"
            )
        return dt.date.fromordinal(self._working_day_ordinals[target - 1])

    def working_days_between(self, start: dt.date, end: dt.date) -> int:
        """The number of working days d with start < d <= end; 0 when end is not after start."""
        start_count = self._working_days_up_to[self._index(start)]
        end_count = self._working_days_up_to[self._index(end)]
        return max(0, end_count - start_count)

    def _index(self, day: dt.date) -> int:
        return self._checked(day).toordinal() - self._first.toordinal()

    def _checked(self, day: dt.date) -> dt.date:
        if not self._first <= day <= self._last:
            raise CalendarRangeError(
                f"{day} is outside the calendar's range {self._describe_range()}"
            )
        return day

    def _describe_range(self) -> str:
        return f"{self._first} to {self._last}"
