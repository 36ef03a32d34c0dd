"""The pilot metrics as Prometheus families, from the figures kept standing per partition.

The figures are those of the newest facts of every case this worker holds, as of the business
date: a case's newer facts replace its old contribution, so a redelivered or duplicated message
can never change a figure (`services.core.standing`). `PilotCollector` computes the same
families by projecting every case afresh; the worker serves `StandingCollector`, and the tests
hold the two equal. Shares come with their numerator and denominator, so several workers can be
added up before dividing. Dead letters are counted once each: one table entry per source
position, counted when scraped.
"""

import datetime as dt
import math
from bisect import bisect_right
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily
from prometheus_client.registry import Collector

from services.core.alerts import CIR_DUE_SOON, due_status
from services.core.case import CaseState
from services.core.metrics import ALL_SITES, SHARE_PARTS, SHARES, figures, tally_sites
from services.core.rules import Calendar
from services.core.standing import SiteFigures, exact_float
from services.core.validation import REJECTION_REASONS
from services.streaming.failures import PROCESSING_ERROR

COUNTED = ("applications", "children", "cir_ordered", "cir_filed", "idva_referrals", "concluded")
GAUGED = ("open_cases", "open_over_52_weeks", "open_over_100_weeks", "cir_overdue")
AVERAGED = (
    "cir_mean_working_days_to_file",
    "mean_duration_weeks",
    "median_duration_weeks",
    "hearings_per_concluded_case",
)
WORKING_DAYS_BUCKETS = (10, 20, 30, 35, 40, 45, 50, 60, 80, 100)
DURATION_WEEK_BUCKETS = (4, 8, 12, 16, 20, 26, 39, 52, 78, 104)
Family = CounterMetricFamily | GaugeMetricFamily | HistogramMetricFamily
Histogram = tuple[list[tuple[str, int]], float]  # cumulative buckets by bound, sum


class DeadLetterCollector(Collector):
    """Dead letters by reason, each counted once however often it was sent."""

    def __init__(self, reasons: Callable[[], Iterable[str]]) -> None:
        self._reasons = reasons

    def collect(self) -> Iterator[CounterMetricFamily]:
        counts = Counter(self._reasons())
        family = CounterMetricFamily(
            "pathfinder_dead_lettered",
            "Messages refused or failed on, by reason: each source position counted once.",
            labels=["reason"],
        )
        for reason in (*REJECTION_REASONS, PROCESSING_ERROR):
            family.add_metric([reason], counts.pop(reason, 0))
        for reason, count in sorted(counts.items()):  # a reason written by another version
            family.add_metric([reason], count)
        yield family


class PilotCollector(Collector):
    """Yields the pilot's metric families per site (and `all`) as of the business clock."""

    def __init__(
        self,
        states: Callable[[], Iterable[CaseState]],
        sites: Iterable[str],
        as_of: Callable[[], dt.date | None],
        calendar: Calendar,
    ) -> None:
        self._states = states
        self._sites = tuple(sites)
        self._as_of = as_of
        self._calendar = calendar

    def collect(self) -> Iterator[Family]:
        as_of = self._as_of()
        if as_of is None:
            return
        states = list(self._states())
        tallies = tally_sites(states, self._sites, as_of)
        by_site = {site: figures(tally) for site, tally in tallies.items()}
        working_days = {
            site: _histogram_of(values, WORKING_DAYS_BUCKETS)
            for site, values in _working_days(states, as_of).items()
        }
        durations = {
            site: _histogram_of(tally.durations_weeks, DURATION_WEEK_BUCKETS)
            for site, tally in tallies.items()
        }
        due_soon = _due_soon(states, self._sites, as_of, self._calendar)
        yield from pilot_families(by_site, due_soon, working_days, durations, as_of)


class StandingCollector(Collector):
    """Yields the same families as `PilotCollector` from the figures kept standing.

    `figures(as_of)` gives each site's kept figures as of the date, or None while some owned
    partition is still being built (then no pilot family is served rather than a part of one).
    """

    def __init__(
        self,
        figures_as_of: Callable[[dt.date], Mapping[str, SiteFigures] | None],
        as_of: Callable[[], dt.date | None],
    ) -> None:
        self._figures = figures_as_of
        self._as_of = as_of

    def collect(self) -> Iterator[Family]:
        as_of = self._as_of()
        if as_of is None:
            return
        kept = self._figures(as_of)
        if kept is None:
            return
        by_site = {site: site_figures.figures() for site, site_figures in kept.items()}
        due_soon = {site: site_figures.due_soon for site, site_figures in kept.items()}
        working_days = {
            site: histogram_of_counts(
                site_figures.working_days,
                exact_float(site_figures.working_days_total),
                WORKING_DAYS_BUCKETS,
            )
            for site, site_figures in kept.items()
            if site == ALL_SITES or site_figures.working_days
        }
        durations = {
            site: histogram_of_counts(
                site_figures.durations,
                exact_float(site_figures.duration_total),
                DURATION_WEEK_BUCKETS,
            )
            for site, site_figures in kept.items()
        }
        yield from pilot_families(by_site, due_soon, working_days, durations, as_of)


def pilot_families(
    by_site: dict[str, dict[str, Any]],
    due_soon: dict[str, int],
    working_days: dict[str, Histogram],
    durations: dict[str, Histogram],
    as_of: dt.date,
) -> Iterator[Family]:
    """The pilot's families from each site's figures, CIRs due soon and histograms."""
    yield from _figure_families(by_site)
    family = GaugeMetricFamily(
        "pathfinder_cir_due_soon", "Open CIRs due within 5 working days.", labels=["site"]
    )
    for site, count in due_soon.items():
        family.add_metric([site], count)
    yield family
    yield _histogram("cir_working_days_to_file", "Working days from order to filing.",
                     working_days)  # fmt: skip
    yield _histogram("duration_weeks", "Weeks from issue to conclusion.", durations)
    as_of_family = GaugeMetricFamily(
        "pathfinder_as_of_timestamp_seconds", "The business date the figures are as of."
    )
    as_of_family.add_metric([], dt.datetime.combine(as_of, dt.time(), dt.UTC).timestamp())
    yield as_of_family


def _figure_families(
    by_site: dict[str, dict[str, Any]],
) -> Iterator[CounterMetricFamily | GaugeMetricFamily]:
    for key in COUNTED:
        family = CounterMetricFamily(f"pathfinder_{key}", f"Pilot {key}.", labels=["site"])
        for site, values in by_site.items():
            family.add_metric([site], values[key])
        yield family
    for key in GAUGED + AVERAGED + tuple(SHARES):
        gauge = GaugeMetricFamily(f"pathfinder_{key}", f"Pilot {key}.", labels=["site"])
        for site, values in by_site.items():
            if values[key] is not None:
                gauge.add_metric([site], values[key])
        yield gauge
    for key in SHARES:
        for part in SHARE_PARTS:
            gauge = GaugeMetricFamily(
                f"pathfinder_{key}_{part}", f"The {part} of {key}.", labels=["site"]
            )
            for site, values in by_site.items():
                gauge.add_metric([site], values[f"{key}_{part}"])
            yield gauge


def _due_soon(
    states: list[CaseState], sites: tuple[str, ...], as_of: dt.date, calendar: Calendar
) -> dict[str, int]:
    counts = dict.fromkeys((*sites, ALL_SITES), 0)
    for case in states:
        status = due_status(case, as_of, calendar)
        if case.site is not None and status is not None and status[0] == CIR_DUE_SOON:
            counts[case.site] += 1
            counts[ALL_SITES] += 1
    return counts


def _working_days(states: list[CaseState], as_of: dt.date) -> dict[str, list[float]]:
    values: dict[str, list[float]] = {ALL_SITES: []}
    for case in states:
        if case.site and case.filed_on and case.filed_on <= as_of:
            days = float(case.working_days_to_file or 0)
            values.setdefault(case.site, []).append(days)
            values[ALL_SITES].append(days)
    return values


def _histogram_of(observed: list[float], bounds: tuple[int, ...]) -> Histogram:
    buckets = [(str(bound), sum(1 for v in observed if v <= bound)) for bound in bounds]
    buckets.append(("+Inf", len(observed)))
    return buckets, math.fsum(observed)  # exactly rounded, whatever order the cases come in


def histogram_of_counts(
    counted: Mapping[float, int], exact_sum: float, bounds: tuple[int, ...]
) -> Histogram:
    """A histogram's buckets and sum from values counted by value (and their exact sum)."""
    values = sorted(counted)
    below: list[int] = []
    running = 0
    for value in values:
        running += counted[value]
        below.append(running)
    buckets = []
    for bound in bounds:
        upto = bisect_right(values, bound)
        buckets.append((str(bound), below[upto - 1] if upto else 0))
    buckets.append(("+Inf", running))
    return buckets, exact_sum


def _histogram(
    name: str, documentation: str, values: dict[str, Histogram]
) -> HistogramMetricFamily:
    family = HistogramMetricFamily(f"pathfinder_{name}", documentation, labels=["site"])
    for site, (buckets, total) in values.items():
        family.add_metric([site], buckets, sum_value=total)
    return family
