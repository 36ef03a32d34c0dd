"""A worker's business clock: today's date in Europe/London, or the fair event clock.

Under the event clock every worker keeps a watermark for each partition it owns (the latest
business date of the events it took there, and when it last took one) and sends them round with
its ticks, so every worker knows every partition's watermark, whichever worker owns it. Today is
decided from all of them by `services.core.clock.fair_today`.

A partition is idle when it has been quiet for the idle time *and* its owner has taken every
message on it: a partition whose consumer is behind (a rebalance, a restart, a slow worker) holds
today at its watermark however long it is quiet, so the clock never runs ahead of messages not yet
read. A report keeps counting until its partition's next report, from whichever worker.

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


def midnight_utc_seconds(day: dt.date) -> float:
    """A date as Prometheus shows dates: the Unix time of its midnight UTC."""
    return dt.datetime.combine(day, dt.time(), dt.UTC).timestamp()


class BusinessClock:
    """Today for time-driven work: the wall-clock date, or the fair event clock."""

    def __init__(
        self,
        mode: Literal["wall", "event"],
        worker: str,
        idle_seconds: float,
        now: Callable[[], float] = time.monotonic,
        wall_today: Callable[[], dt.date] = london_today,
    ) -> None:
        if mode not in ("wall", "event"):
            raise ValueError(f"clock must be 'wall' or 'event', not {mode!r}")
        self.mode = mode
        self.worker = worker
        self._idle_seconds = idle_seconds
        self._now = now
        self._wall_today = wall_today
        # partition -> (watermark, when it last had an event or was assigned)
        self._own: dict[int, tuple[dt.date | None, float]] = {}
        self._behind: set[int] = set()  # own partitions with messages not yet taken
        self._heard: dict[int, PartitionMark] = {}  # from others
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
                self._own[partition] = (known.on if known else None, now)
                self._behind.add(partition)  # until its backlog is measured

    def forget(self, partitions: Iterable[int]) -> None:
        """Partitions this worker no longer owns: their new owner reports them from now on;
        until it does, their furthest date is kept as if heard."""
        for partition in partitions:
            own = self._own.pop(partition, None)
            if own is not None:
                self._heard[partition] = PartitionMark(own[0], self._idle(partition, own[1]))
            self._behind.discard(partition)

    def behind(self, partitions: Iterable[int]) -> None:
        """The partitions this worker owns that have messages it has not yet taken."""
        self._behind = set(partitions) & self._own.keys()

    def heard(self, report: ClockReport) -> None:
        """Take in another worker's report (a worker's own report changes nothing)."""
        if report.worker == self.worker:
            return
        for partition, mark in report.marks.items():
            own = self._own.get(partition)
            if own is not None:
                self._own[partition] = (_later(own[0], mark.on), own[1])
                continue
            known = self._heard.get(partition)
            on = _later(known.on, mark.on) if known else mark.on
            self._heard[partition] = PartitionMark(on, mark.idle)

    def today(self) -> dt.date | None:
        """The business date now; None on an event clock that has heard of no event yet."""
        if self.mode == "wall":
            return self._wall_today()
        self._today = fair_today(self._watermarks(), self._today)
        return self._today

    def report(self) -> ClockReport:
        """This worker's today and the watermarks of the partitions it owns."""
        marks = {
            partition: PartitionMark(on, self._idle(partition, active))
            for partition, (on, active) in self._own.items()
        }
        return ClockReport(worker=self.worker, today=self.today(), marks=marks)

    def _idle(self, partition: int, active: float) -> bool:
        quiet = self._now() - active > self._idle_seconds
        return quiet and partition not in self._behind

    def _watermarks(self) -> list[Watermark]:
        own = [Watermark(on, self._idle(p, active)) for p, (on, active) in self._own.items()]
        heard = [Watermark(mark.on, mark.idle) for mark in self._heard.values()]
        return own + heard


def _later(one: dt.date | None, other: dt.date | None) -> dt.date | None:
    if one is None or other is None:
        return one or other
    return max(one, other)
