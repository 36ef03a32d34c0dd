"""The pilot figures kept standing: updated as facts arrive and as the date moves, never recounted.

A case's contribution to its site's figures (the `Tally` counts of `count_case`, its CIR due soon
by `due_status`, its duration and working days to file) is a step function of the as-of date: it
changes only on the dates the case names (issue, order, extensions made, children seen, filing,
hearings, conclusion, an IDVA answer), 52 and 100 weeks after issue, the day after each due date
it can have, and the day each such due date comes within 5 working days. `steps` gives those
changes; a property test holds them, step by step, to the full projection's figures.

`PartitionFigures` keeps, for the cases of one partition, each site's figures as of its current
date, and each date's change to them (the cases' steps on that date, added together). Taking in a
case's newer facts takes its old steps out and puts its new ones in; moving the date adds up the
changes of the dates crossed. Neither costs anything per case held, so a scrape costs work per
site and per date crossed since the last one.
"""

import datetime as dt
from bisect import bisect_right, insort
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import fields
from typing import Any, NamedTuple

from services.core.alerts import DUE_SOON_WORKING_DAYS
from services.core.case import CaseState
from services.core.metrics import (
    ALL_SITES,
    DAYS_52_WEEKS,
    DAYS_100_WEEKS,
    WEEKS_26,
    Tally,
    figures,
)
from services.core.rules import Calendar, duration_weeks

TALLIED = tuple(f.name for f in fields(Tally) if f.name != "durations_weeks")
COUNTED = (*TALLIED, "cir_due_soon")
_DUE_SOON = len(TALLIED)
_SCALE = 1100  # every finite float is a whole number of 2**-1074: sums are kept exact as ints
_INDEX = {name: index for index, name in enumerate(COUNTED)}
NEVER = 1 << 30  # an ordinal after every date
_LOCAL_AUTHORITY = "local_authority"


class Steps(NamedTuple):
    """A case's contribution as changes on dates (ordinals): each count's changes, the date its
    duration and its working days to file start being counted (and the value), and the spans
    (start included, end excluded) in which its CIR is overdue or due soon."""

    counts: list[tuple[int, int, int]]  # (on, index in COUNTED, change)
    duration: tuple[int, float] | None
    working_days: tuple[int, float] | None
    listed: list[tuple[int, int]]


class _Steps:
    def __init__(self) -> None:
        self.counts: list[tuple[int, int, int]] = []

    def during(self, start: int, end: int, name: str, count: int = 1) -> None:
        """`count` added to `name` on the dates from start until end."""
        if start < end and count:
            index = _INDEX[name]
            self.counts.append((start, index, count))
            if end < NEVER:
                self.counts.append((end, index, -count))


def _day(on: dt.date | None) -> int:
    return NEVER if on is None else on.toordinal()


def steps(case: CaseState, due_soon: Callable[[dt.date], dt.date]) -> Steps:
    """The case's contribution as `count_case`, `due_status` and the histograms count it on
    each date (held equal to them by the property test)."""
    found = _Steps()
    listed: list[tuple[int, int]] = []
    issued, concluded = _day(case.issued_on), _day(case.concluded_on)
    ordered, filed = _day(case.ordered_on), _day(case.filed_on)
    duration = None
    if case.issued_on is not None:
        closed = max(issued, concluded)  # concluded by then, once issued
        found.during(issued, NEVER, "applications")
        found.during(issued, NEVER, "children", len(case.children))
        found.during(issued, closed, "open_cases")
        found.during(issued + DAYS_52_WEEKS, closed, "open_over_52_weeks")
        found.during(issued + DAYS_100_WEEKS, closed, "open_over_100_weeks")
        if case.concluded_on is not None:
            weeks = duration_weeks(case.issued_on, case.concluded_on)
            duration = (closed, weeks)
            found.during(closed, NEVER, "concluded")
            found.during(closed, NEVER, "concluded_within_26_weeks", int(weeks <= WEEKS_26))
            for held_on, _ in case.hearings:
                found.during(max(closed, held_on.toordinal()), NEVER, "hearings_on_concluded")
        if case.ordered_on is not None:
            _cir(case, found, listed, max(issued, ordered), concluded)
    if case.ordered_on is not None and case.concluded_on is None:
        for start, end, due in _dues(case):
            soon_from = due_soon(dt.date.fromordinal(due)).toordinal()
            begin, until = max(start, soon_from, ordered), min(end, due + 1, filed)
            found.during(begin, until, "cir_due_soon")
            if begin < until:
                listed.append((begin, until))
    working_days = None
    if case.filed_on is not None:
        working_days = (filed, float(case.working_days_to_file or 0))
    return Steps(found.counts, duration, working_days, listed)


def _cir(
    case: CaseState, found: _Steps, listed: list[tuple[int, int]], since: int, concluded: int
) -> None:
    """count_order, count_filing and the overdue count from the date the order is counted."""
    found.during(since, NEVER, "cir_ordered")
    found.during(since, NEVER, "cir_ordered_la", int(case.author_at_order == _LOCAL_AUTHORITY))
    if case.extensions:
        first = min(made_on for made_on, _ in case.extensions).toordinal()
        found.during(max(since, first), NEVER, "cir_extended")
    found.during(since, NEVER, "children_on_cir_cases", len(case.children))
    for seen_on in case.seen.values():
        found.during(max(since, seen_on.toordinal()), NEVER, "children_seen")
    if case.idva_referred:
        found.during(since, NEVER, "idva_referrals")
        if case.idva_response == "accepted":
            answered = _day(case.idva_response_on)
            found.during(max(since, answered), NEVER, "idva_accepted")
    filed = _day(case.filed_on)
    counted_filed = max(since, filed)
    if case.filed_on is not None:
        assert case.due_original is not None
        found.during(counted_filed, NEVER, "cir_filed")
        found.during(counted_filed, NEVER, "cir_filed_within_40_working_days",
                     int(case.filed_on <= case.due_original))  # fmt: skip
        found.during(counted_filed, NEVER, "cir_working_days_to_file",
                     case.working_days_to_file or 0)  # fmt: skip
    for start, end, due in _dues(case):
        if filed <= due:
            found.during(max(start, counted_filed), end, "cir_filed_by_due_date")
        begin, until = max(start, due + 1, since), min(end, counted_filed, concluded)
        found.during(begin, until, "cir_overdue")
        if begin < until:
            listed.append((begin, until))


def _dues(case: CaseState) -> list[tuple[int, int, int]]:
    """The CIR's current due date (`current_due_date`) as spans: (start, end, due)."""
    assert case.due_original is not None
    latest: dict[int, int] = {}
    for made_on, due_on in case.extensions:
        made = made_on.toordinal()
        latest[made] = max(latest.get(made, 0), due_on.toordinal())
    spans, start, due = [], 0, case.due_original.toordinal()
    for made in sorted(latest):
        if made > start:
            spans.append((start, made, due))
        start, due = made, latest[made]
    spans.append((start, NEVER, due))
    return spans


class SiteFigures:
    """A site's counts, and its durations and working days to file counted by value."""

    __slots__ = ("counts", "duration_total", "durations", "working_days", "working_days_total")

    def __init__(self) -> None:
        self.counts = [0] * len(COUNTED)
        self.durations: dict[float, int] = {}
        self.duration_total = 0  # the exact sum, in units of 2**-_SCALE
        self.working_days: dict[float, int] = {}
        self.working_days_total = 0

    def count_duration(self, weeks: float, sign: int) -> None:
        """Count (sign 1) or take out (sign -1) one concluded case's duration."""
        _count(self.durations, weeks, sign)
        self.duration_total += sign * _exact(weeks)

    def count_working_days(self, days: float, sign: int) -> None:
        """Count (or take out) one filed CIR's working days to file."""
        _count(self.working_days, days, sign)
        self.working_days_total += sign * _exact(days)

    def add(self, other: "SiteFigures", sign: int = 1) -> None:
        """Add (or take out) another site's or date's figures."""
        self.counts = [
            mine + sign * theirs for mine, theirs in zip(self.counts, other.counts, strict=True)
        ]
        for value, count in other.durations.items():
            _count(self.durations, value, sign * count)
        for value, count in other.working_days.items():
            _count(self.working_days, value, sign * count)
        self.duration_total += sign * other.duration_total
        self.working_days_total += sign * other.working_days_total

    def empty(self) -> bool:
        """Nothing counted (a date's change that came to nothing)."""
        return not any(self.counts) and not self.durations and not self.working_days

    def figures(self) -> dict[str, Any]:
        """The contract's figures, as `metrics.figures` gives them for the same cases."""
        tally = Tally()
        for name, count in zip(TALLIED, self.counts, strict=False):
            setattr(tally, name, count)
        document = figures(tally)
        count = sum(self.durations.values())
        if count:
            document["mean_duration_weeks"] = exact_float(self.duration_total) / count
            document["median_duration_weeks"] = _median(self.durations, count)
        return document

    @property
    def due_soon(self) -> int:
        return self.counts[_DUE_SOON]


def _count(counter: dict[float, int], value: float, by: int) -> None:
    count = counter.get(value, 0) + by
    if count:
        counter[value] = count
    else:
        del counter[value]


def _exact(value: float) -> int:
    numerator, denominator = value.as_integer_ratio()
    return numerator << (_SCALE - denominator.bit_length() + 1)


def exact_float(total: int) -> float:
    """A sum kept in units of 2**-_SCALE, rounded once to the nearest float (as math.fsum)."""
    return total / (1 << _SCALE)


def _median(counter: Mapping[float, int], count: int) -> float:
    """statistics.median of the values counted."""
    wanted = {count // 2} if count % 2 else {count // 2 - 1, count // 2}
    found: list[float] = []
    seen = 0
    for value in sorted(counter):
        upto = seen + counter[value]
        found += [value for position in sorted(wanted) if seen <= position < upto]
        seen = upto
        if len(found) == len(wanted):
            break
    return found[0] if len(found) == 1 else (found[0] + found[1]) / 2


def due_soon_from(due_on: dt.date, calendar: Calendar) -> dt.date:
    """The first date from which a CIR due on `due_on` is within 5 working days of it."""

    def within(day: dt.date) -> bool:
        try:
            return calendar.working_days_between(day, due_on) <= DUE_SOON_WORKING_DAYS
        except ValueError:  # before the calendar's range: not a date figures are served for
            return False

    step = 14
    early = due_on - dt.timedelta(days=step)
    while within(early):  # widen past closures until a date that is not yet within
        step *= 2
        early = due_on - dt.timedelta(days=step)
    low, high = early.toordinal(), due_on.toordinal()  # not within at low, within at high
    while high - low > 1:
        middle = (low + high) // 2
        if within(dt.date.fromordinal(middle)):
            high = middle
        else:
            low = middle
    return dt.date.fromordinal(high)


class DueSoonDates:
    """`due_soon_from` remembered by due date: a decade has a few thousand due dates."""

    def __init__(self, calendar: Calendar) -> None:
        self._calendar = calendar
        self._known: dict[dt.date, dt.date] = {}

    def __call__(self, due_on: dt.date) -> dt.date:
        known = self._known.get(due_on)
        if known is None:
            known = self._known[due_on] = due_soon_from(due_on, self._calendar)
        return known


class PartitionFigures:
    """The figures of one partition's cases as of a date, and each date's change to them."""

    def __init__(self, due_soon: Callable[[dt.date], dt.date]) -> None:
        self._due_soon = due_soon
        self._as_of = -1  # the ordinal the figures are as of; -1: before every date
        self.sites: dict[str, SiteFigures] = {}
        self._changes: dict[int, dict[str, SiteFigures]] = {}
        self._dates: list[int] = []  # the ordinals of _changes, in order
        self.listed: dict[bytes, list[tuple[int, int]]] = {}  # overdue or due-soon spans

    def replace(self, key: bytes, old: CaseState | None, new: CaseState | None) -> None:
        """Take out the case's old contribution and put in its new one (both worked out before
        either is applied, so a case that cannot be projected leaves the figures as they were)."""
        old_steps = steps(old, self._due_soon) if old is not None and old.site else None
        new_steps = steps(new, self._due_soon) if new is not None and new.site else None
        if old_steps is not None:
            assert old is not None and old.site
            self._take(old_steps, old.site, -1)
        self.listed.pop(key, None)
        if new_steps is not None:
            assert new is not None and new.site
            self._take(new_steps, new.site, 1)
            if new_steps.listed:
                self.listed[key] = new_steps.listed

    def _take(self, found: Steps, site: str, sign: int) -> None:
        as_of = self._as_of
        current = self.sites.get(site)
        if current is None:
            current = self.sites[site] = SiteFigures()
        for on, index, count in found.counts:
            self._change(on, site).counts[index] += sign * count
            if on <= as_of:
                current.counts[index] += sign * count
        if found.duration is not None:
            on, weeks = found.duration
            self._change(on, site).count_duration(weeks, sign)
            if on <= as_of:
                current.count_duration(weeks, sign)
        if found.working_days is not None:
            on, days = found.working_days
            self._change(on, site).count_working_days(days, sign)
            if on <= as_of:
                current.count_working_days(days, sign)

    def _change(self, on: int, site: str) -> "SiteFigures":
        changes = self._changes.get(on)
        if changes is None:
            changes = self._changes[on] = {}
            insort(self._dates, on)
        change = changes.get(site)
        if change is None:
            change = changes[site] = SiteFigures()
        return change

    def move_to(self, as_of: dt.date) -> None:
        """The figures as of another date: the changes of the dates crossed added or taken out."""
        day, dates = as_of.toordinal(), self._dates
        if day == self._as_of:
            return
        if day > self._as_of:
            crossed, sign = dates[bisect_right(dates, self._as_of) : bisect_right(dates, day)], 1
        else:
            crossed, sign = dates[bisect_right(dates, day) : bisect_right(dates, self._as_of)], -1
        for on in crossed:
            for site, change in self._changes[on].items():
                current = self.sites.get(site)
                if current is None:
                    current = self.sites[site] = SiteFigures()
                current.add(change, sign)
        self._as_of = day

    def listed_on(self, as_of: dt.date) -> Iterator[bytes]:
        """The keys of the cases whose CIR is overdue or due soon as of the date."""
        day = as_of.toordinal()
        for key, spans in self.listed.items():
            if any(start <= day < end for start, end in spans):
                yield key

    def dates_held(self) -> int:
        """How many dates have a change kept (for measurements)."""
        return len(self._dates)


def served(
    partitions: Iterable[PartitionFigures], sites: Iterable[str], as_of: dt.date
) -> dict[str, SiteFigures]:
    """Each registered site's figures, and all sites', over the partitions, as of the date."""
    by_site = {site: SiteFigures() for site in sites}
    for partition in partitions:
        partition.move_to(as_of)
        for site, figures_of_site in partition.sites.items():
            if site in by_site:
                by_site[site].add(figures_of_site)
    everything = SiteFigures()
    for figures_of_site in by_site.values():
        everything.add(figures_of_site)
    by_site[ALL_SITES] = everything
    return by_site


class StandingFigures:
    """The kept figures of each partition built so far; a partition not built is not served."""

    def __init__(self, sites: Iterable[str], calendar: Calendar) -> None:
        self.sites = tuple(sites)
        self._due_soon = DueSoonDates(calendar)
        self.partitions: dict[int, PartitionFigures] = {}

    def new_partition(self) -> PartitionFigures:
        """Figures for a partition, empty, to be built and then installed."""
        return PartitionFigures(self._due_soon)

    def install(self, partition: int, built: PartitionFigures) -> None:
        """Serve the figures built for a partition from its table entries."""
        self.partitions[partition] = built

    def forget(self, partitions: Iterable[int]) -> None:
        """Partitions revoked (or whose table entries may have changed unseen): built afresh."""
        for partition in partitions:
            self.partitions.pop(partition, None)

    def missing(self, owned: Iterable[int]) -> set[int]:
        """The owned partitions not built yet."""
        return set(owned) - self.partitions.keys()

    def replace(
        self, partition: int, key: bytes, old: CaseState | None, new: CaseState | None
    ) -> None:
        """A case's newer facts; a partition not built yet takes them in when it is built."""
        figures_of_partition = self.partitions.get(partition)
        if figures_of_partition is not None:
            figures_of_partition.replace(key, old, new)

    def served(self, owned: Iterable[int], as_of: dt.date) -> dict[str, SiteFigures]:
        """Each site's figures, and all sites', over the owned partitions (all built)."""
        chosen = [self.partitions[partition] for partition in sorted(owned)]
        return served(chosen, self.sites, as_of)

    def listed_on(self, owned: Iterable[int], as_of: dt.date) -> list[bytes]:
        """The keys of the owned partitions' cases overdue or due soon as of the date."""
        return [key for p in sorted(owned) for key in self.partitions[p].listed_on(as_of)]
