"""Whether an event applies to a case now, must wait for a prerequisite, or conflicts with it.

Together with holding (see `ledger`), these checks make the result independent of the order in
which a case's events arrive: an event never applies before the events it reads.
"""

from collections.abc import Callable

from services.core.case import CaseState
from services.core.validation import Event

HOLD = "hold"


# --- checks: None means apply now, HOLD means wait, any other string names the conflict ---


def _issued(case: CaseState, event: Event) -> str | None:
    if case.issued_on is None:
        return HOLD
    if event.site != case.site:
        return "site: differs from the case's site"
    if event.on < case.issued_on:
        return f"{event.type} is dated before the application was issued"
    return None


def _check_issue(case: CaseState, event: Event) -> str | None:
    return "the case already has an ApplicationIssued" if case.issued_on is not None else None


def _check_safeguarding(case: CaseState, event: Event) -> str | None:
    problem = _issued(case, event)
    if problem is None and case.checks_on is not None:
        return "the case already has its safeguarding checks"
    return problem


def _check_gatekeeping(case: CaseState, event: Event) -> str | None:
    problem = _issued(case, event)
    if problem is not None:
        return problem
    if case.ordered_on is not None:
        return "the case already has a gatekeeping decision"
    derives_from_checks = event.data.cir_author is None or event.data.idva_referral is None
    if derives_from_checks:
        if case.checks_on is None:
            return HOLD
        if event.on < case.checks_on:
            return "the decision is dated before the safeguarding checks it relies on"
    return None


def _ordered(case: CaseState, event: Event) -> str | None:
    problem = _issued(case, event)
    if problem is not None:
        return problem
    if case.ordered_on is None:
        return HOLD
    if event.on < case.ordered_on:
        return f"{event.type} is dated before the gatekeeping decision"
    return None


def _check_filing(case: CaseState, event: Event) -> str | None:
    problem = _ordered(case, event)
    if problem is None and case.filed_on is not None:
        return "the CIR has already been filed"
    return problem


def _check_idva_response(case: CaseState, event: Event) -> str | None:
    problem = _ordered(case, event)
    if problem is not None:
        return problem
    if not case.idva_referred:
        return "no IDVA referral was made at gatekeeping"
    if case.idva_response is not None:
        return "the IDVA referral already has a response"
    return None


def _check_child_seen(case: CaseState, event: Event) -> str | None:
    problem = _issued(case, event)
    if problem is None and event.data.child_id not in case.children:
        return "data.child_id: not a child of the case"
    return problem


def _check_conclusion(case: CaseState, event: Event) -> str | None:
    problem = _issued(case, event)
    if problem is None and case.concluded_on is not None:
        return "the case has already concluded"
    return problem


_CHECKS: dict[str, Callable[[CaseState, Event], str | None]] = {
    "ApplicationIssued": _check_issue,
    "SafeguardingChecksCompleted": _check_safeguarding,
    "GatekeepingDecisionMade": _check_gatekeeping,
    "CirTransferred": _ordered,
    "CirDueDateExtended": _ordered,
    "ChildSeen": _check_child_seen,
    "CirFiled": _check_filing,
    "IdvaReferralAccepted": _check_idva_response,
    "IdvaReferralDeclined": _check_idva_response,
    "HearingHeld": _issued,
    "FinalOrderMade": _check_conclusion,
    "ApplicationWithdrawn": _check_conclusion,
    "ReviewCompleted": _issued,
}


def check(case: CaseState, event: Event) -> str | None:
    """None when `event` applies now, HOLD when a prerequisite is missing, else the conflict."""
    return _CHECKS[event.type](case, event)


def awaited_event(case: CaseState, event: Event) -> str:
    """The event type a held event is waiting for."""
    if case.issued_on is None:
        return "ApplicationIssued"
    if event.type == "GatekeepingDecisionMade":
        return "SafeguardingChecksCompleted"
    return "GatekeepingDecisionMade"
