"""A worker's business clock: today's date in Europe/London, or the fair event clock.

Under the event clock every worker keeps a watermark for each partition it owns (the latest
business date of the events it took there, and when it last took one) and sends them round with
its ticks, so every worker knows every partition's watermark, whichever worker owns it. Today is
decided from all of them by `services.core.clock.fair_today`. A watermark not refreshed for a while
(its owner stopped, or lost the partition) counts as idle.

A watermark belongs to its partition, not to the worker that owns it now: every report of it is
merged by taking the later date, so a rebalance (which takes every partition away and hands it
out again) or a move to another worker never sets a partition back to "no event yet".
"""

import datetime as dt
import time
from collections.abc import Callable, Iterable
from typing import Literal
from zoneinfo import ZoneInfo

import msgspec

from services.core.clock import Watermark, fair_today

COURTS_TIME_ZONE = ZoneInfo("Europe/London")
REPORT_FORM = 1


class PartitionMark(msgspec.Struct, frozen=True):
    on: dt.date | None  # None: no event yet on the partition
    idle: bool


class ClockReport(msgspec.Struct, frozen=True, kw_only=True):
    """What one worker tells the others on a tick: its today and its partitions' watermarks."""

    form: int = REPORT_FORM
    worker: str
    today: dt.date | None
    marks: dict[int, PartitionMark] = {}


encode_report = msgspec.json.Encoder().encode
decode_report = msgspec.json.Decoder(ClockReport).decode


def london_today(now: dt.datetime | None = None) -> dt.date:
    """The calendar date in the courts' time zone, whatever the host's."""
    return (now or dt.datetime.now(dt.UTC)).astimezone(COURTS_TIME_ZONE).date()


class BusinessClock:
    """Today for time-driven work: the wall-clock date, or the fair event clock."""

    def __init__(
        self,
        mode: Literal["wall", "event"],
        worker: str,
        idle_seconds: float,
        stale_seconds: float,
        now: Callable[[], float] = time.monotonic,
        wall_today: Callable[[], dt.date] = london_today,
    ) -> None:
        if mode not in ("wall", "event"):
            raise ValueError(f"clock must be 'wall' or 'event', not {mode!r}")
        self.mode = mode
        self.worker = worker
        self._idle_seconds = idle_seconds
        self._stale_seconds = stale_seconds
        self._now = now
        self._wall_today = wall_today
        # partition -> (watermark, when it last had an event or was assigned)
        self._own: dict[int, tuple[dt.date | None, float]] = {}
        self._heard: dict[int, tuple[PartitionMark, float]] = {}  # from others, when heard
        self._today: dt.date | None = None

    def saw(self, partition: int, business_date: dt.date) -> None:
        """Note an event's business date on a partition this worker owns."""
        if self.mode == "wall":
            return
        mark = self._own.get(partition)
        latest = mark[0] if mark and mark[0] and mark[0] > business_date else business_date
        self._own[partition] = (latest, self._now())

    def assigned(self, partitions: Iterable[int]) -> None:
        """Partitions this worker owns now: those new to it start from the furthest date known
        for them and hold today there until they have had an event or been quiet for the idle
        time."""
        if self.mode == "wall":
            return
        now = self._now()
        for partition in partitions:
            if partition not in self._own:
                known = self._heard.pop(partition, None)
                self._own[partition] = (known[0].on if known else None, now)

    def forget(self, partitions: Iterable[int]) -> None:
        """Partitions this worker no longer owns: their new owner reports them from now on;
        until it does, their furthest date is kept as if heard."""
        now = self._now()
        for partition in partitions:
            own = self._own.pop(partition, None)
            if own is not None:
                on, active = own
                self._heard[partition] = (PartitionMark(on, now - active > self._idle_seconds), now)

    def heard(self, report: ClockReport) -> None:
        """Take in another worker's report (a worker's own report changes nothing)."""
        if report.worker == self.worker:
            return
        received = self._now()
        for partition, mark in report.marks.items():
            own = self._own.get(partition)
            if own is not None:
                self._own[partition] = (_later(own[0], mark.on), own[1])
                continue
            known = self._heard.get(partition)
            on = _later(known[0].on, mark.on) if known else mark.on
            self._heard[partition] = (PartitionMark(on, mark.idle), received)

    def today(self) -> dt.date | None:
        """The business date now; None on an event clock that has heard of no event yet."""
        if self.mode == "wall":
            return self._wall_today()
        self._today = fair_today(self._watermarks(), self._today)
        return self._today

    def report(self) -> ClockReport:
        """This worker's today and the watermarks of the partitions it owns."""
        now = self._now()
        marks = {
            partition: PartitionMark(on, now - active > self._idle_seconds)
            for partition, (on, active) in self._own.items()
        }
        return ClockReport(worker=self.worker, today=self.today(), marks=marks)

    def _watermarks(self) -> list[Watermark]:
        now = self._now()
        own = [
            Watermark(on, now - active > self._idle_seconds) for on, active in self._own.values()
        ]
        heard = [
            Watermark(mark.on, mark.idle or now - received > self._stale_seconds)
            for partition, (mark, received) in self._heard.items()
            if partition not in self._own
        ]
        return own + heard


def _later(one: dt.date | None, other: dt.date | None) -> dt.date | None:
    if one is None or other is None:
        return one or other
    return max(one, other)
