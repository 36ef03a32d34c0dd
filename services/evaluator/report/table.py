"""The report's tables from case states: tallies per area and period, the cells hidden by
small-count suppression, and the figures in long form."""

import datetime as dt
import statistics
from collections.abc import Hashable, Iterable
from dataclasses import dataclass

from services.core.case import CaseState
from services.core.sites import SiteRegistry
from services.evaluator.report.areas import Area, AreaKey, areas_of
from services.evaluator.report.intervals import (
    NO_INTERVAL,
    Interval,
    mean_interval,
    median_interval,
    wilson,
)
from services.evaluator.report.metrics import (
    CELL_COUNTS,
    COHORT_METRIC,
    MEAN,
    MEDIAN,
    METRICS,
    RATE,
    SHARE,
    STOCK,
    Metric,
)
from services.evaluator.report.periods import Period, PeriodIndex, periods_between
from services.evaluator.report.suppression import Relation, suppressed_cells
from services.evaluator.report.tallies import COHORT_DAYS, PeriodTally, SiteTallies, added, to_date

TO_DATE = -1  # the period number of the figures to date
# Working days to file, in bins of 5 up to 60: (first, last), the last open-ended.
FILING_BINS = (*((start, start + 4) for start in range(1, 60, 5)), (61, None))
FILING_BIN_COUNTS = tuple(f"filed_in_bin_{number}" for number in range(len(FILING_BINS)))


@dataclass(frozen=True, slots=True)
class Figure:
    """One metric of one area over one period, as written to the report's files."""

    area: Area
    period: Period
    metric: str
    value: float | None
    numerator: int | None
    denominator: int | None
    lower: float | None
    upper: float | None
    suppressed: bool


@dataclass(slots=True)
class Tables:
    periods: list[Period]
    areas: list[Area]
    series: dict[AreaKey, list[PeriodTally]]  # per period
    totals: dict[AreaKey, PeriodTally]  # to date
    filing_bins: dict[AreaKey, list[int]]  # CIRs filed to date per bin of FILING_BINS
    hidden: set[Hashable]  # (area key, period number or TO_DATE, count)
    threshold: int
    kind: str  # month or quarter

    def is_hidden(self, area: AreaKey, number: int, count: str) -> bool:
        return (area, number, count) in self.hidden


def tabulate(
    cases: Iterable[CaseState], sites: SiteRegistry, as_of: dt.date, kind: str, threshold: int
) -> Tables:
    """Count every case into its site's periods, add sites into nations and all, suppress."""
    cases = [case for case in cases if case.issued_on is not None and case.issued_on <= as_of]
    if not cases:
        raise ValueError(f"no case was issued by the as-of date {as_of}: nothing to report")
    first = min(case.issued_on for case in cases if case.issued_on is not None)
    periods = periods_between(first, as_of, kind)
    counted = SiteTallies(sites, periods, PeriodIndex(periods, kind))
    for case in cases:
        counted.count(case)
    areas = areas_of(sites)
    series: dict[AreaKey, list[PeriodTally]] = {}
    for area in areas:
        parts = [series[part] for part in area.parts]
        series[area.key] = added(parts, len(periods)) if parts else counted.by_site[area.site]
    totals = {key: to_date(tallies) for key, tallies in series.items()}
    bins = {key: _filing_bins(total.working_days_to_file) for key, total in totals.items()}
    tables = Tables(periods, areas, series, totals, bins, set(), threshold, kind)
    tables.hidden = suppressed_cells(_cells(tables), _relations(tables), threshold)
    return tables


def _filing_bins(days: list[int]) -> list[int]:
    counts = [0] * len(FILING_BINS)
    for value in days:
        counts[min((max(value, 1) - 1) // 5, len(FILING_BINS) - 1)] += 1
    return counts


def _cells(tables: Tables) -> dict[Hashable, int]:
    cells: dict[Hashable, int] = {}
    for key, tallies in tables.series.items():
        for number, tally in [*enumerate(tallies), (TO_DATE, tables.totals[key])]:
            for count in CELL_COUNTS:
                cells[(key, number, count)] = getattr(tally, count)
        for count, value in zip(FILING_BIN_COUNTS, tables.filing_bins[key], strict=True):
            cells[(key, TO_DATE, count)] = value
    return cells


def _relations(tables: Tables) -> list[Relation]:
    """Every sum a reader could take: an area from its parts, a total to date from its periods
    (flows only: a stock to date is its last period's), CIRs filed from their bins."""
    relations = []
    numbers = [*range(len(tables.periods)), TO_DATE]
    for area in tables.areas:
        if area.parts:
            for number in numbers:
                for count in (*CELL_COUNTS, *FILING_BIN_COUNTS):
                    if number != TO_DATE and count in FILING_BIN_COUNTS:
                        continue
                    parts = tuple((part, number, count) for part in area.parts)
                    relations.append(Relation((area.key, number, count), parts))
        for count in CELL_COUNTS:
            if count not in _STOCK_COUNTS:
                parts = tuple((area.key, number, count) for number in numbers[:-1])
                relations.append(Relation((area.key, TO_DATE, count), parts))
        bins = tuple((area.key, TO_DATE, count) for count in FILING_BIN_COUNTS)
        relations.append(Relation((area.key, TO_DATE, "cir_filed"), bins))
    return relations


_STOCK_COUNTS = {metric.denominator for metric in METRICS if metric.kind == STOCK}


def figures(tables: Tables) -> list[Figure]:
    """Every metric of every area in every period, in long form (area, then period, then
    metric); cohort shares only for cohorts old enough to tell."""
    as_of = tables.periods[-1].end
    found = []
    for area in tables.areas:
        for number, period in enumerate(tables.periods):
            tally = tables.series[area.key][number]
            for metric in METRICS:
                if metric.name == COHORT_METRIC and not _cohort_complete(period, as_of):
                    continue
                found.append(figure(tables, area, number, period, metric, tally))
    return found


def totals(tables: Tables) -> dict[AreaKey, dict[str, Figure]]:
    """Each area's figures to date (over the whole span of the report), by metric."""
    span = Period(tables.periods[0].start, tables.periods[-1].end, False)
    return {
        area.key: {
            metric.name: figure(tables, area, TO_DATE, span, metric, tables.totals[area.key])
            for metric in METRICS
            if metric.name != COHORT_METRIC
        }
        for area in tables.areas
    }


def _cohort_complete(period: Period, as_of: dt.date) -> bool:
    return not period.partial and (as_of - period.end).days >= COHORT_DAYS


def figure(
    tables: Tables, area: Area, number: int, period: Period, metric: Metric, tally: PeriodTally
) -> Figure:
    """One figure, its interval, and whether it is suppressed."""
    assert metric.denominator is not None
    counts = (
        (metric.denominator, metric.numerator) if metric.kind == SHARE else (metric.denominator,)
    )
    if any(tables.is_hidden(area.key, number, count) for count in counts if count):
        return Figure(area, period, metric.name, None, None, None, None, None, True)
    denominator: int = getattr(tally, metric.denominator)
    value, numerator, (lower, upper) = _value(metric, tally, denominator)
    return Figure(area, period, metric.name, value, numerator, denominator, lower, upper, False)


def _value(
    metric: Metric, tally: PeriodTally, denominator: int
) -> tuple[float | None, int | None, Interval]:
    if metric.kind in ("count", STOCK):
        return float(denominator), None, NO_INTERVAL
    assert metric.numerator is not None
    if metric.kind in (SHARE, RATE):
        numerator: int = getattr(tally, metric.numerator)
        share = numerator / denominator if denominator else None
        interval = wilson(numerator, denominator) if metric.kind == SHARE else NO_INTERVAL
        return share, numerator, interval
    values: list[float] = getattr(tally, metric.numerator)
    if not values:
        return None, None, NO_INTERVAL
    if metric.kind == MEAN:
        return statistics.fmean(values), None, mean_interval(values)
    assert metric.kind == MEDIAN
    return statistics.median(values), None, median_interval(values)
