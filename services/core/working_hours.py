"""Working hours between two instants: 09:00 to 17:00 local time, on working days only.

What the `SiteSilent` alert measures: how long, in working hours, a site has sent no event. A
night, a weekend, a bank holiday or a court closure day adds nothing, and a working day is its
hours on the courts' clocks (Europe/London), so it is 8 hours whether the clocks change that
weekend or not. The working-day calendar and the time zone are passed in; nothing here reads a
clock.
"""

import datetime as dt
from collections.abc import Mapping

from services.core.rules import Calendar

WORKING_DAY_START = dt.time(9)
WORKING_DAY_END = dt.time(17)
SECONDS_PER_HOUR = 3600


def is_working_day(day: dt.date, calendar: Calendar) -> bool:
    """A Monday to Friday that is neither a bank holiday nor a court closure day."""
    return calendar.working_days_between(day - dt.timedelta(days=1), day) == 1


def _hours_of(day: dt.date, zone: dt.tzinfo) -> tuple[dt.datetime, dt.datetime]:
    opens = dt.datetime.combine(day, WORKING_DAY_START, tzinfo=zone)
    closes = dt.datetime.combine(day, WORKING_DAY_END, tzinfo=zone)
    return opens.astimezone(dt.UTC), closes.astimezone(dt.UTC)


def _seconds_on(
    day: dt.date, start: dt.datetime, end: dt.datetime, calendar: Calendar, zone: dt.tzinfo
) -> float:
    """The working seconds of one local day that fall between start and end."""
    if not is_working_day(day, calendar):
        return 0.0
    opens, closes = _hours_of(day, zone)
    overlap = min(end, closes) - max(start, opens)
    return max(0.0, overlap.total_seconds())


def working_seconds_between(
    start: dt.datetime, end: dt.datetime, calendar: Calendar, zone: dt.tzinfo
) -> float:
    """The working seconds from `start` to `end` (aware datetimes); 0 when end is not after it."""
    if start.tzinfo is None or end.tzinfo is None:
        raise ValueError("working hours need aware datetimes, not local times without a zone")
    start, end = start.astimezone(dt.UTC), end.astimezone(dt.UTC)
    if end <= start:
        return 0.0
    first, last = start.astimezone(zone).date(), end.astimezone(zone).date()
    if first == last:
        return _seconds_on(first, start, end, calendar, zone)
    edges = _seconds_on(first, start, end, calendar, zone)
    edges += _seconds_on(last, start, end, calendar, zone)
    # Every working day strictly between the two is worked whole.
    opens, closes = _hours_of(first, zone)
    whole_day = (closes - opens).total_seconds()
    between = calendar.working_days_between(first, last - dt.timedelta(days=1))
    return edges + between * whole_day


def working_hours_between(
    start: dt.datetime, end: dt.datetime, calendar: Calendar, zone: dt.tzinfo
) -> float:
    """As `working_seconds_between`, in hours."""
    return working_seconds_between(start, end, calendar, zone) / SECONDS_PER_HOUR


def silent_working_hours(
    last_seen: Mapping[str, dt.datetime], now: dt.datetime, calendar: Calendar, zone: dt.tzinfo
) -> dict[str, float]:
    """Per site, the working hours since its last event was taken."""
    return {
        site: working_hours_between(seen, now, calendar, zone)
        for site, seen in sorted(last_seen.items())
    }
