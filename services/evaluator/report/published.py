"""The published figures a report sets the pilot beside, each with its source (docs/sources.md)."""

from dataclasses import dataclass

EVALUATION = (
    "Published evaluation figures (Ministry of Justice and HMCTS data, as reported in 2025)"
)
CAFCASS_CAP = "Cafcass national CAP figures, year to March 2025"
CAFCASS_BOARD = "Cafcass board papers 2024-2025"


@dataclass(frozen=True, slots=True)
class SiteDurations:
    """A site's average duration in weeks before the Pathfinder and after it."""

    before_weeks: float
    after_weeks: float
    source: str = EVALUATION


SITE_DURATIONS = {
    "north-wales": SiteDurations(29, 18),
    "dorset": SiteDurations(38, 27),
    "south-east-wales": SiteDurations(37, 12),
    "birmingham": SiteDurations(53, 23),
}


@dataclass(frozen=True, slots=True)
class Baseline:
    """A national figure under the Child Arrangements Programme (or a bound on the pilot's),
    comparable with one of the report's metrics."""

    metric: str
    value: float
    unit: str
    what: str
    source: str


BASELINES = (
    Baseline(
        "concluded_within_26_weeks_share", 0.589, "share",
        "section 8 child arrangements cases concluding within 26 weeks (CAP)", CAFCASS_CAP,
    ),
    Baseline(
        "cir_mean_working_days_to_file", 14.6 * 5, "working days",
        "mean time to file a section 7 report: 14.6 working weeks (CAP)", CAFCASS_CAP,
    ),
    Baseline(
        "cir_extended_share", 0.298, "share",
        "section 7 reports extended beyond the first agreed filing date (CAP)", CAFCASS_CAP,
    ),
    Baseline(
        "children_seen_share", 0.30, "share",
        "children seen by a family court adviser under CAP", EVALUATION,
    ),
    Baseline(
        "children_seen_share", 0.80, "share",
        "children seen by a family court adviser under the Pathfinder", EVALUATION,
    ),
    Baseline(
        "cir_ordered_la_share", 0.25, "share",
        "CIRs ordered to local authorities: up to 25% (Pathfinder)", CAFCASS_BOARD,
    ),
)  # fmt: skip
