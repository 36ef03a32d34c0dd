"""Dates and times as the simulator counts them: working days and UK local time.

Working days are Monday to Friday; bank holidays are ignored, which only makes the CIR deadline
look slightly easier than the processor counts it.
"""

import datetime as dt
from functools import cache

DAY = dt.timedelta(days=1)
MS_PER_HOUR, MS_PER_DAY = 3_600_000, 86_400_000
EPOCH = dt.datetime(1970, 1, 1)
_EPOCH_ORDINAL = EPOCH.toordinal()


def utc_midnight_ms(day: dt.date) -> int:
    return (day.toordinal() - _EPOCH_ORDINAL) * MS_PER_DAY


def uk_offset_hours(moment: dt.date) -> int:
    """UK summer time: from 01:00 UTC on the last Sunday of March to that of October."""
    starts, ends = _summer_time(moment.year)
    if not isinstance(moment, dt.datetime):
        moment = dt.datetime.combine(moment, dt.time(12))
    return 1 if starts <= moment < ends else 0


@cache
def _summer_time(year: int) -> tuple[dt.datetime, dt.datetime]:
    def last_sunday(month: int) -> dt.datetime:
        last_day = dt.datetime(year, month, 31, 1)  # March and October both have 31 days
        return last_day - dt.timedelta(days=(last_day.weekday() + 1) % 7)

    return last_sunday(3), last_sunday(10)


def working_day_on_or_after(day: dt.date) -> dt.date:
    weekday = day.weekday()
    return day + dt.timedelta(days=7 - weekday) if weekday >= 5 else day


def add_working_days(day: dt.date, count: int) -> dt.date:
    weeks, rest = divmod(count, 5)
    day = working_day_on_or_after(day + dt.timedelta(weeks=weeks))
    for _ in range(rest):
        day = working_day_on_or_after(day + DAY)
    return day
