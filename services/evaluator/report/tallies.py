"""What happened in each period, per site: the counts behind every figure of the report.

Flows count the events of a period (applications issued in it, CIRs filed in it, cases concluded
in it). A share belongs to the period of its denominator's event and counts its numerator as
known on the as-of date (CIRs ordered in a period, and how many of their children had been seen
by the as-of date), so it never exceeds 1. Stocks are counted at each period's end.
"""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from services.core.case import CaseState
from services.core.metrics import (
    DAYS_52_WEEKS,
    DAYS_100_WEEKS,
    WEEKS_26,
    Tally,
    concluded_by,
    count_conclusion,
    count_filing,
    count_order,
    current_due_date,
)
from services.core.rules import duration_weeks
from services.evaluator.report.periods import Period, PeriodIndex

COHORT_DAYS = WEEKS_26 * 7  # a cohort tells its 26-week share once its last case is this old


@dataclass(slots=True)
class PeriodTally(Tally):
    """The counts of one site (or several added together) in one period: the replay's, and
    what the report adds (outcomes, cohorts, the spread of working days to file)."""

    concluded_by_final_order: int = 0
    concluded_by_withdrawal: int = 0
    cohort_concluded_within_26_weeks: int = 0
    durations_by_outcome: dict[str, list[float]] = field(default_factory=dict)
    working_days_to_file: list[int] = field(default_factory=list)

    def add(self, other: Tally) -> None:
        """Add another tally's counts to this one."""
        assert isinstance(other, PeriodTally)
        for name in SUMMED:
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.durations_weeks += other.durations_weeks
        for outcome, durations in other.durations_by_outcome.items():
            self.durations_by_outcome.setdefault(outcome, []).extend(durations)
        self.working_days_to_file += other.working_days_to_file


LISTS = ("durations_weeks", "durations_by_outcome", "working_days_to_file")
SUMMED = tuple(name for name in PeriodTally.__dataclass_fields__ if name not in LISTS)
STOCKS = ("open_cases", "open_over_52_weeks", "open_over_100_weeks", "cir_overdue")
OUTCOME_COUNTS = {"final_order": "concluded_by_final_order", "withdrawn": "concluded_by_withdrawal"}


class SiteTallies:
    """Each site's tallies per period, filled one case at a time."""

    def __init__(self, sites: Iterable[str], periods: list[Period], index: PeriodIndex) -> None:
        self.periods = periods
        self.by_site = {site: [PeriodTally() for _ in periods] for site in sites}
        self._index = index

    def count(self, case: CaseState) -> None:
        """Add one case, as it stood on the last period's end, to its site's periods."""
        if case.site is None or case.issued_on is None:
            return
        issued = self._index.of(case.issued_on)
        if issued is None:
            return
        tallies = self.by_site[case.site]
        as_of = self.periods[-1].end
        _count_issue(tallies[issued], case, as_of)
        self._count_open(tallies, issued, case)
        ordered = self._index.of(case.ordered_on)
        if ordered is not None:
            _count_order(tallies[ordered], case, as_of)
            self._count_overdue(tallies, ordered, case)
            filed = self._index.of(case.filed_on)
            if filed is not None:
                _count_filing(tallies[filed], case, as_of)
        concluded = self._index.of(case.concluded_on)
        if concluded is not None:
            _count_conclusion(tallies[concluded], case, as_of)

    def _count_open(self, tallies: list[PeriodTally], issued: int, case: CaseState) -> None:
        assert case.issued_on is not None
        for number in range(issued, len(self.periods)):
            end = self.periods[number].end
            if case.concluded_on is not None and case.concluded_on <= end:
                return
            tally, age = tallies[number], (end - case.issued_on).days
            tally.open_cases += 1
            tally.open_over_52_weeks += age >= DAYS_52_WEEKS
            tally.open_over_100_weeks += age >= DAYS_100_WEEKS

    def _count_overdue(self, tallies: list[PeriodTally], ordered: int, case: CaseState) -> None:
        for number in range(ordered, len(self.periods)):
            end = self.periods[number].end
            if (case.filed_on is not None and case.filed_on <= end) or concluded_by(case, end):
                return
            due = current_due_date(case, end)
            assert due is not None
            tallies[number].cir_overdue += due < end


def _count_issue(tally: PeriodTally, case: CaseState, as_of: dt.date) -> None:
    assert case.issued_on is not None
    tally.applications += 1
    tally.children += len(case.children)
    if case.concluded_on is not None and case.concluded_on <= as_of:
        weeks = duration_weeks(case.issued_on, case.concluded_on)
        tally.cohort_concluded_within_26_weeks += weeks <= WEEKS_26


def _count_order(tally: PeriodTally, case: CaseState, as_of: dt.date) -> None:
    count_order(tally, case, as_of)


def _count_filing(tally: PeriodTally, case: CaseState, as_of: dt.date) -> None:
    count_filing(tally, case, as_of)
    tally.working_days_to_file.append(case.working_days_to_file or 0)


def _count_conclusion(tally: PeriodTally, case: CaseState, as_of: dt.date) -> None:
    assert case.issued_on is not None and case.concluded_on is not None
    count_conclusion(tally, case, as_of)
    outcome = case.outcome or "final_order"
    count = OUTCOME_COUNTS[outcome]
    setattr(tally, count, getattr(tally, count) + 1)
    tally.durations_by_outcome.setdefault(outcome, []).append(
        duration_weeks(case.issued_on, case.concluded_on)
    )


def added(tallies: Iterable[list[PeriodTally]], periods: int) -> list[PeriodTally]:
    """Period by period, the sum of several sites' tallies."""
    total = [PeriodTally() for _ in range(periods)]
    for series in tallies:
        for into, tally in zip(total, series, strict=True):
            into.add(tally)
    return total


def to_date(series: list[PeriodTally]) -> PeriodTally:
    """The flows of every period added, and the stocks of the last: the figures on the as-of
    date, as a replay as of it counts them."""
    total = PeriodTally()
    for tally in series:
        total.add(tally)
    for stock in STOCKS:
        setattr(total, stock, getattr(series[-1], stock) if series else 0)
    return total
