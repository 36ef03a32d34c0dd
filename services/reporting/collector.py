"""The pilot metrics as Prometheus families, computed from the case facts when Prometheus scrapes.

Nothing is counted on the hot path: each scrape projects the latest facts of every case this
worker holds, so a redelivered or duplicated message can never change a figure. Shares come with
their numerator and denominator, so several workers can be added up before dividing. Dead letters
are counted the same way: one table entry per source position, counted when scraped.
"""

import datetime as dt
from collections import Counter
from collections.abc import Callable, Iterable, Iterator

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily
from prometheus_client.registry import Collector

from services.core.alerts import CIR_DUE_SOON, due_status
from services.core.case import CaseState
from services.core.metrics import ALL_SITES, SHARES, Tally, figures, tally_sites
from services.core.rules import Calendar
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

    def collect(self) -> Iterator[CounterMetricFamily | GaugeMetricFamily | HistogramMetricFamily]:
        as_of = self._as_of()
        if as_of is None:
            return
        states = list(self._states())
        tallies = tally_sites(states, self._sites, as_of)
        yield from _figure_families(tallies)
        yield _due_soon(states, self._sites, as_of, self._calendar)
        yield _histogram("cir_working_days_to_file", "Working days from order to filing.",
                         _working_days(states, as_of), WORKING_DAYS_BUCKETS)  # fmt: skip
        durations = {site: tally.durations_weeks for site, tally in tallies.items()}
        yield _histogram("duration_weeks", "Weeks from issue to conclusion.", durations,
                         DURATION_WEEK_BUCKETS)  # fmt: skip
        as_of_family = GaugeMetricFamily(
            "pathfinder_as_of_timestamp_seconds", "The business date the figures are as of."
        )
        as_of_family.add_metric([], dt.datetime.combine(as_of, dt.time(), dt.UTC).timestamp())
        yield as_of_family


def _figure_families(
    tallies: dict[str, Tally],
) -> Iterator[CounterMetricFamily | GaugeMetricFamily]:
    by_site = {site: figures(tally) for site, tally in tallies.items()}
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
    for key, (numerator, denominator) in SHARES.items():
        for part, field in (("numerator", numerator), ("denominator", denominator)):
            gauge = GaugeMetricFamily(
                f"pathfinder_{key}_{part}", f"The {part} of {key}.", labels=["site"]
            )
            for site, tally in tallies.items():
                gauge.add_metric([site], getattr(tally, field))
            yield gauge


def _due_soon(
    states: list[CaseState], sites: tuple[str, ...], as_of: dt.date, calendar: Calendar
) -> GaugeMetricFamily:
    counts = dict.fromkeys((*sites, ALL_SITES), 0)
    for case in states:
        status = due_status(case, as_of, calendar)
        if case.site is not None and status is not None and status[0] == CIR_DUE_SOON:
            counts[case.site] += 1
            counts[ALL_SITES] += 1
    family = GaugeMetricFamily(
        "pathfinder_cir_due_soon", "Open CIRs due within 5 working days.", labels=["site"]
    )
    for site, count in counts.items():
        family.add_metric([site], count)
    return family


def _working_days(states: list[CaseState], as_of: dt.date) -> dict[str, list[float]]:
    values: dict[str, list[float]] = {ALL_SITES: []}
    for case in states:
        if case.site and case.filed_on and case.filed_on <= as_of:
            days = float(case.working_days_to_file or 0)
            values.setdefault(case.site, []).append(days)
            values[ALL_SITES].append(days)
    return values


def _histogram(
    name: str, documentation: str, values: dict[str, list[float]], bounds: tuple[int, ...]
) -> HistogramMetricFamily:
    family = HistogramMetricFamily(f"pathfinder_{name}", documentation, labels=["site"])
    for site, observed in values.items():
        buckets = [(str(bound), sum(1 for v in observed if v <= bound)) for bound in bounds]
        buckets.append(("+Inf", len(observed)))
        family.add_metric([site], buckets, sum_value=sum(observed))
    return family
