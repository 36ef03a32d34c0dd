"""The business clock's rules: which date is "today" for time-driven work, fair to all partitions.

Under the event clock each partition has a watermark, the latest business date seen on it. Today is
the earliest watermark among the partitions that have traffic, so no partition's held messages
expire, and no deadline passes, because another partition's publishers are further ahead. An
idle partition (quiet for longer than the idle time, with nothing waiting to be read) stops
holding the others back and follows them;
when every partition is quiet, today is the furthest any has reached. A partition with no event
yet, not yet quiet for the idle time (just started, just assigned), holds today where it was: its
publishers may be anywhere. Today never goes back.
"""

import datetime as dt
from collections.abc import Iterable
from typing import NamedTuple


class Watermark(NamedTuple):
    """How far one partition has got: its latest business date (None: no event yet), and
    whether it is idle."""

    on: dt.date | None
    idle: bool


def fair_today(watermarks: Iterable[Watermark], before: dt.date | None) -> dt.date | None:
    """Today by the event clock: the slowest active partition, never earlier than `before`."""
    marks = list(watermarks)
    if any(mark.on is None and not mark.idle for mark in marks):
        return before
    active = [mark.on for mark in marks if mark.on is not None and not mark.idle]
    dated = [mark.on for mark in marks if mark.on is not None]
    candidate = min(active) if active else max(dated, default=None)
    if candidate is None or (before is not None and candidate < before):
        return before
    return candidate


def hold_expired(received_on: dt.date, today: dt.date, limit_days: int) -> bool:
    """A held message has waited past the hold limit for its prerequisite."""
    return (today - received_on).days > limit_days
