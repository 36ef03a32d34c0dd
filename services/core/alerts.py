"""Deadline alerts for operators: a CIR due within 5 working days, or overdue, raised once each.

An alert carries the due date it is about; a case remembers the (kind, due date) pairs it has
raised, so a repeat is recognisable and an extension (a new due date) can raise afresh.
"""

import datetime as dt

import msgspec

from services.core.case import CaseState
from services.core.metrics import current_due_date
from services.core.rules import Calendar

DUE_SOON_WORKING_DAYS = 5
CIR_DUE_SOON = "CirDueSoon"
CIR_OVERDUE = "CirOverdue"


class CirAlert(msgspec.Struct, frozen=True, kw_only=True):
    """A CIR about to miss, or past, its current due date on the business day `raised_on`.

    `id` is the same for every raising of the same alert (case, kind, due date), so a consumer
    drops a repeat however many times it is delivered or raised.
    """

    id: str
    kind: str
    subject: str
    site: str
    author: str
    due_on: dt.date
    raised_on: dt.date


def awaits_deadline(case: CaseState) -> bool:
    """A CIR is ordered and neither filed nor made moot by the case concluding."""
    return case.ordered_on is not None and case.filed_on is None and case.concluded_on is None


def alert_id(subject: str, kind: str, due_on: dt.date) -> str:
    """The identity of an alert: one per case, kind and due date."""
    return f"{subject}/{kind}/{due_on.isoformat()}"


def due_status(case: CaseState, today: dt.date, calendar: Calendar) -> tuple[str, dt.date] | None:
    if case.ordered_on is None or case.ordered_on > today:
        return None
    if (case.filed_on is not None and case.filed_on <= today) or case.concluded_on is not None:
        return None
    due = current_due_date(case, today)
    assert due is not None
    if today > due:
        return CIR_OVERDUE, due
    if calendar.working_days_between(today, due) <= DUE_SOON_WORKING_DAYS:
        return CIR_DUE_SOON, due
    return None


def raise_alerts(
    case: CaseState, subject: str, today: dt.date, calendar: Calendar
) -> list[CirAlert]:
    """The alert the case calls for today, if not raised before; the case remembers it."""
    due_alert = due_status(case, today, calendar)
    if due_alert is None or due_alert in case.alerts_raised:
        return []
    case.alerts_raised.append(due_alert)
    kind, due_on = due_alert
    assert case.site is not None and case.author is not None
    alert = CirAlert(
        id=alert_id(subject, kind, due_on),
        kind=kind,
        subject=subject,
        site=case.site,
        author=case.author,
        due_on=due_on,
        raised_on=today,
    )
    return [alert]
