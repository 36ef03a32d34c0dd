"""The charts of the report, each from the report's tables."""

import statistics
from collections.abc import Callable
from typing import Any

from services.evaluator.report.areas import Area
from services.evaluator.report.charts import (
    COLOURS,
    Chart,
    Estimate,
    Line,
    bars_chart,
    estimates_chart,
    series_chart,
)
from services.evaluator.report.intervals import mean_interval, median_interval
from services.evaluator.report.metrics import COHORT_METRIC
from services.evaluator.report.published import SITE_DURATIONS
from services.evaluator.report.table import (
    FILING_BIN_COUNTS,
    FILING_BINS,
    TO_DATE,
    Figure,
    Tables,
)

FiguresOf = Callable[[Area, str], list[Figure]]
Totals = dict[Any, dict[str, Figure]]

# Title, the lines drawn, the y axis, whether a share (drawn as %), and what the chart shows.
SERIES = (
    ("Applications issued", [Line("applications", "applications")], "cases per period", False,
     "New applications issued in each period."),
    ("CIRs ordered", [Line("cir_ordered", "CIRs ordered")], "CIRs per period", False,
     "Child Impact Reports ordered at gatekeeping in each period."),
    ("CIRs ordered to the local authority",
     [Line("cir_ordered_la_share", "local-authority share")], "% of CIRs ordered", True,
     "Of the CIRs ordered in each period, the share ordered to the local authority (95% Wilson"
     " interval shaded)."),
    ("CIRs filed", [Line("cir_filed", "CIRs filed")], "CIRs per period", False,
     "Child Impact Reports filed in each period."),
    ("CIRs filed within 40 working days",
     [Line("cir_filed_within_40_working_days_share", "within 40 working days")],
     "% of CIRs filed", True,
     "Of the CIRs filed in each period, the share filed by the original due date (95% Wilson"
     " interval shaded)."),
    ("Children seen", [Line("children_seen_share", "children seen")],
     "% of children on CIR cases", True,
     "Of the children on cases whose CIR was ordered in each period, the share seen by the as-of"
     " date."),
    ("IDVA referrals", [Line("idva_referrals", "referrals")], "referrals per period", False,
     "Referrals to domestic abuse support (IDVA) made at gatekeeping in each period."),
    ("IDVA referrals accepted", [Line("idva_accepted_share", "accepted")],
     "% of referrals", True,
     "Of the IDVA referrals made in each period, the share accepted by the as-of date."),
    ("Cases concluded", [Line("concluded", "concluded")], "cases per period", False,
     "Cases concluded (final order or withdrawal) in each period."),
    ("Duration of the cases concluded",
     [Line("mean_duration_weeks", "mean"), Line("median_duration_weeks", "median")],
     "weeks from issue", False,
     "Mean (t interval) and median (order-statistic interval) duration of the cases concluded in"
     " each period."),
    ("Open cases",
     [Line("open_cases", "open"), Line("open_over_52_weeks", "open 52 weeks or more")],
     "cases at the period's end", False,
     "Cases issued and not yet concluded at the end of each period, and those open 52 weeks or"
     " more."),
)  # fmt: skip


def charts(tables: Tables, figures_of: FiguresOf, totals: Totals) -> list[Chart]:
    """Every chart of the report, in the page's order."""
    found = [
        series_chart(tables.areas, figures_of, title, lines, y_label, note, tables.kind, percent)
        for title, lines, y_label, percent, note in SERIES
    ]
    found.append(_filing_distribution(tables))
    found.append(_durations_by_outcome(tables, totals))
    found.append(_cohorts(tables, figures_of))
    if any(area.site in SITE_DURATIONS for area in tables.areas):
        found.append(_against_published(tables, totals))
    return found


def _filing_distribution(tables: Tables) -> Chart:
    labels = [f"{first}-{last}" if last else f"{first}+" for first, last in FILING_BINS]

    def bars(area: Area) -> list[tuple[str, float | None]]:
        counts = tables.filing_bins[area.key]
        return [
            (label, None if tables.is_hidden(area.key, TO_DATE, name) else count)
            for label, name, count in zip(labels, FILING_BIN_COUNTS, counts, strict=True)
        ]

    return bars_chart(
        tables.areas, bars, "Working days to file a CIR", "working days from the order",
        "CIRs filed", "CIRs filed by the as-of date, by working days from the order to filing;"
        " the dashed line is the 40-working-day deadline ('s': suppressed).",
        marker_at=7.5,  # between the 36-40 and 41-45 bins
    )  # fmt: skip


# Outcome, its label, the count of cases concluded so, and its colour.
_OUTCOMES = (
    ("final_order", "final order", "concluded_by_final_order", COLOURS[0]),
    ("withdrawn", "withdrawn", "concluded_by_withdrawal", COLOURS[1]),
)


def _durations_by_outcome(tables: Tables, totals: Totals) -> Chart:
    groups = []
    for area in tables.areas:
        estimates = []
        for outcome, label, count, colour in _OUTCOMES:
            durations = tables.totals[area.key].durations_by_outcome.get(outcome, [])
            hidden = tables.is_hidden(area.key, TO_DATE, count)
            estimates += _mean_and_median(label, durations, hidden, colour)
        groups.append((area.title, estimates))
    return estimates_chart(
        groups, "Duration by outcome", "weeks from issue to conclusion",
        "Mean and median duration of the cases concluded by the as-of date, by outcome, with"
        " 95% intervals.",
    )  # fmt: skip


def _mean_and_median(
    label: str, durations: list[float], hidden: bool, colour: str
) -> list[Estimate]:

    if hidden or not durations:
        value = None if hidden else 0.0
        return [Estimate(f"{label}: mean", value, colour=colour),
                Estimate(f"{label}: median", value, colour=colour)]  # fmt: skip
    mean_low, mean_high = mean_interval(durations)
    median_low, median_high = median_interval(durations)
    return [
        Estimate(f"{label}: mean", statistics.fmean(durations), mean_low, mean_high, colour),
        Estimate(f"{label}: median", statistics.median(durations), median_low, median_high, colour),
    ]


def _cohorts(tables: Tables, figures_of: FiguresOf) -> Chart:
    return series_chart(
        tables.areas, figures_of, "Cohorts: concluded within 26 weeks",
        [Line(COHORT_METRIC, "concluded within 26 weeks of issue")],
        "% of cases issued", "Cases by period of issue: the share concluded within 26 weeks,"
        " for cohorts whose last case was issued 26 weeks or more before the as-of date.",
        f"{tables.kind} of issue", percent=True,
    )  # fmt: skip


def _against_published(tables: Tables, totals: Totals) -> Chart:
    groups = []
    for area in tables.areas:
        published = SITE_DURATIONS.get(area.site)
        if published is None:
            continue
        measured = totals[area.key]["mean_duration_weeks"]
        groups.append((area.title, [
            Estimate("published before", published.before_weeks, colour=COLOURS[1]),
            Estimate("published after", published.after_weeks, colour=COLOURS[2]),
            Estimate("measured (mean)", measured.value, measured.lower, measured.upper),
        ]))  # fmt: skip
    return estimates_chart(
        groups, "Mean duration against the published figures", "weeks from issue to conclusion",
        "Each site's mean duration of cases concluded by the as-of date (95% t interval) beside"
        " its published average before and after the Pathfinder.",
    )  # fmt: skip
