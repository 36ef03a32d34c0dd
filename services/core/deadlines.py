"""Which CIRs are overdue or due soon as of a date, by case, most urgent first.

The list agrees with the metrics case for case: a CIR is listed as overdue exactly when the
metric projection counts it in `cir_overdue`, and as due soon exactly when the reporting worker
counts it in `cir_due_soon` (the deadline alerts' rule), so the rows of a site add up to its
`pathfinder_cir_overdue` and `pathfinder_cir_due_soon`.
"""

import datetime as dt
from collections.abc import Iterable

import msgspec

from services.core.alerts import CIR_DUE_SOON, due_status
from services.core.case import CaseState
from services.core.metrics import concluded_by, current_due_date
from services.core.rules import Calendar

OVERDUE = "overdue"
DUE_SOON = "due_soon"
STATUSES = (OVERDUE, DUE_SOON)


class CirDeadline(msgspec.Struct, frozen=True, kw_only=True):
    """One CIR past, or within 5 working days of, its current due date, and not filed.

    `working_days` counts working days past the current due date when overdue (d with due < d <=
    as of), and working days left until it when due soon (d with as of < d <= due; 0 on the day).
    """

    case: str
    site: str
    author: str
    ordered_on: dt.date
    due_original: dt.date
    due_current: dt.date
    status: str
    working_days: int


def is_overdue(case: CaseState, as_of: dt.date) -> bool:
    """The metric projection's `cir_overdue`: ordered by then, not filed by then, past its
    current due date, on a case still open (a concluded case's report is no longer awaited)."""
    if case.issued_on is None or case.issued_on > as_of or concluded_by(case, as_of):
        return False
    if case.ordered_on is None or case.ordered_on > as_of:
        return False
    if case.filed_on is not None and case.filed_on <= as_of:
        return False
    due = current_due_date(case, as_of)
    return due is not None and due < as_of


def is_due_soon(case: CaseState, as_of: dt.date, calendar: Calendar) -> bool:
    """The deadline alerts' due-soon rule, which `pathfinder_cir_due_soon` counts."""
    status = due_status(case, as_of, calendar)
    return status is not None and status[0] == CIR_DUE_SOON


def cir_deadline(
    reference: str, case: CaseState, as_of: dt.date, calendar: Calendar
) -> CirDeadline | None:
    """The case's row as of a date, or None when its CIR is neither overdue nor due soon."""
    if case.site is None:
        return None
    if is_overdue(case, as_of):
        status = OVERDUE
    elif is_due_soon(case, as_of, calendar):
        status = DUE_SOON
    else:
        return None
    due = current_due_date(case, as_of)
    assert due is not None and case.ordered_on is not None and case.due_original is not None
    if status == OVERDUE:
        working_days = calendar.working_days_between(due, as_of)
    else:
        working_days = calendar.working_days_between(as_of, due)
    return CirDeadline(
        case=reference,
        site=case.site,
        author=case.author or "",
        ordered_on=case.ordered_on,
        due_original=case.due_original,
        due_current=due,
        status=status,
        working_days=working_days,
    )


def urgency(row: CirDeadline) -> tuple[int, int, dt.date, str, str]:
    """Sort key, most urgent first: overdue before due soon; the most working days overdue, or
    the fewest left; then the earlier due date, the site and the reference."""
    if row.status == OVERDUE:
        return (0, -row.working_days, row.due_current, row.site, row.case)
    return (1, row.working_days, row.due_current, row.site, row.case)


def cir_deadlines(
    cases: Iterable[tuple[str, CaseState]],
    as_of: dt.date,
    calendar: Calendar,
    status: str | None = None,
    site: str | None = None,
) -> list[CirDeadline]:
    """The rows of the cases' overdue and due-soon CIRs (of one status and site when given),
    most urgent first."""
    rows = []
    for reference, case in cases:
        if site is not None and case.site != site:
            continue
        row = cir_deadline(reference, case, as_of, calendar)
        if row is not None and (status is None or row.status == status):
            rows.append(row)
    return sorted(rows, key=urgency)


def merge_deadlines(*lists: Iterable[CirDeadline]) -> list[CirDeadline]:
    """Rows from several workers as one list, most urgent first: one row per case (the first
    met), as two workers may both serve a partition for a moment during a rebalance."""
    merged: dict[str, CirDeadline] = {}
    for rows in lists:
        for row in rows:
            merged.setdefault(row.case, row)
    return sorted(merged.values(), key=urgency)
