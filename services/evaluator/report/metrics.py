"""The report's metrics: each one's name (as in replay's JSON where replay has it), kind, and the
tally counts it is made of."""

from dataclasses import dataclass

from services.core.metrics import SHARES

COUNT = "count"  # cases (or children) with the event in the period
STOCK = "stock"  # cases in the state at the period's end
SHARE = "share"  # numerator / denominator
MEAN = "mean"
MEDIAN = "median"
RATE = "rate"  # a sum over cases / cases, without an interval


@dataclass(frozen=True, slots=True)
class Metric:
    name: str
    kind: str
    numerator: str | None  # the tally count (for a share or rate) or list (mean, median)
    denominator: str | None  # the tally count that says how many cases the figure covers
    definition: str


def _count(name: str, definition: str) -> Metric:
    return Metric(name, COUNT, None, name, definition)


def _stock(name: str, definition: str) -> Metric:
    return Metric(name, STOCK, None, name, definition)


def _share(name: str, definition: str) -> Metric:
    numerator, denominator = SHARES.get(name, COHORT_SHARE)
    return Metric(name, SHARE, numerator, denominator, definition)


COHORT_SHARE = ("cohort_concluded_within_26_weeks", "applications")
COHORT_METRIC = "cohort_concluded_within_26_weeks_share"

METRICS = (
    _count("applications", "Applications issued in the period."),
    _count("children", "Children named on the applications issued in the period."),
    _count("cir_ordered", "CIRs ordered at gatekeeping in the period."),
    _share(
        "cir_ordered_la_share",
        "Of the CIRs ordered in the period, the share ordered to the local authority.",
    ),
    _count("cir_filed", "CIRs filed in the period."),
    _share(
        "cir_filed_within_40_working_days_share",
        "Of the CIRs filed in the period, the share filed within 40 working days of the order"
        " (by the original due date).",
    ),
    _share(
        "cir_filed_by_due_date_share",
        "Of the CIRs filed in the period, the share filed by the due date in force on the as-of"
        " date (extensions made by then count).",
    ),
    Metric(
        "cir_mean_working_days_to_file",
        MEAN,
        "working_days_to_file",
        "cir_filed",
        "Mean working days from the gatekeeping order to filing, over the CIRs filed in the"
        " period.",
    ),
    _share(
        "cir_extended_share",
        "Of the CIRs ordered in the period, the share whose due date was extended by the as-of"
        " date.",
    ),
    _stock(
        "cir_overdue", "CIRs not filed at the period's end whose due date (as then) had passed."
    ),
    _share(
        "children_seen_share",
        "Children on the cases whose CIR was ordered in the period: the share seen by the as-of"
        " date.",
    ),
    _count("idva_referrals", "IDVA referrals made at gatekeeping in the period."),
    _share(
        "idva_accepted_share",
        "Of the IDVA referrals made in the period, the share accepted by the as-of date.",
    ),
    _count("concluded", "Cases concluded (final order or withdrawal) in the period."),
    _count("concluded_by_final_order", "Cases concluded by a final order in the period."),
    _count("concluded_by_withdrawal", "Cases withdrawn in the period."),
    Metric(
        "mean_duration_weeks",
        MEAN,
        "durations_weeks",
        "concluded",
        "Mean duration, issue to conclusion in calendar days / 7, of the cases concluded in the"
        " period.",
    ),
    Metric(
        "median_duration_weeks",
        MEDIAN,
        "durations_weeks",
        "concluded",
        "Median duration of the cases concluded in the period (weeks).",
    ),
    _share(
        "concluded_within_26_weeks_share",
        "Of the cases concluded in the period, the share concluded within 26 weeks of issue.",
    ),
    Metric(
        "hearings_per_concluded_case",
        RATE,
        "hearings_on_concluded",
        "concluded",
        "Hearings held (by the as-of date) per case concluded in the period.",
    ),
    _stock("open_cases", "Cases issued and not concluded at the period's end."),
    _stock("open_over_52_weeks", "Open cases at the period's end issued 52 weeks or more before."),
    _stock(
        "open_over_100_weeks", "Open cases at the period's end issued 100 weeks or more before."
    ),
    _share(
        COHORT_METRIC,
        "Cohort view: of the cases issued in the period, the share concluded within 26 weeks of"
        " issue; only for periods whose last case was issued 26 weeks or more before the as-of"
        " date.",
    ),
)
METRIC_BY_NAME = {metric.name: metric for metric in METRICS}

# The tally counts that count cases or children: the cells small-count suppression applies to.
# A share's numerator is one; a mean's values and a rate's sum are not.
CELL_COUNTS = tuple(
    dict.fromkeys(
        count
        for metric in METRICS
        for count in (metric.numerator if metric.kind == SHARE else None, metric.denominator)
        if count is not None
    )
)
