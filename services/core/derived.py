"""What gatekeeping derives from a case as its events apply, and the versioned case facts.

Derived events are small, past-tense and self-describing (they carry the case's site and the
dates they are about), so a consumer needs no other topic to act on them. Each happens once per
case, so its `id` (case and type) is the same on every delivery: consumers drop repeats by it.
"""

import datetime as dt

import msgspec

from services.core.case import CaseState
from services.core.metrics import current_due_date
from services.core.rules import duration_weeks
from services.core.validation import Event


class Derived(msgspec.Struct, frozen=True, kw_only=True, tag_field="type"):
    id: str
    subject: str
    site: str


class CirOrdered(Derived, frozen=True, tag="CirOrdered"):
    author: str
    ordered_on: dt.date
    due_on: dt.date


class IdvaReferralMade(Derived, frozen=True, tag="IdvaReferralMade"):
    referred_on: dt.date


class FilingAssessed(Derived, frozen=True, tag="FilingAssessed"):
    filed_on: dt.date
    working_days_to_file: int
    within_40_working_days: bool
    by_due_date: bool


class CaseConcluded(Derived, frozen=True, tag="CaseConcluded"):
    outcome: str
    concluded_on: dt.date
    duration_weeks: float


class CaseFacts(msgspec.Struct, frozen=True, kw_only=True):
    """A case's whole state with a version that grows with every change: newest wins."""

    subject: str
    version: int
    state: CaseState


def derived_events(case: CaseState, event: Event) -> list[Derived]:
    """What applying `event` to the case (already applied) tells the pilot's consumers."""
    subject, site = event.subject, case.site or event.site
    if event.type == "GatekeepingDecisionMade":
        assert case.ordered_on and case.author_at_order and case.due_original
        ordered = CirOrdered(
            id=derived_id(subject, "CirOrdered"), subject=subject, site=site,
            author=case.author_at_order, ordered_on=case.ordered_on, due_on=case.due_original,
        )  # fmt: skip
        if not case.idva_referred:
            return [ordered]
        referral = IdvaReferralMade(
            id=derived_id(subject, "IdvaReferralMade"), subject=subject, site=site,
            referred_on=case.ordered_on,
        )  # fmt: skip
        return [ordered, referral]
    if event.type == "CirFiled":
        return [_filing_assessed(case, subject, site)]
    if event.type in ("FinalOrderMade", "ApplicationWithdrawn"):
        assert case.issued_on and case.concluded_on and case.outcome
        weeks = duration_weeks(case.issued_on, case.concluded_on)
        concluded = CaseConcluded(
            id=derived_id(subject, "CaseConcluded"), subject=subject, site=site,
            outcome=case.outcome, concluded_on=case.concluded_on, duration_weeks=weeks,
        )  # fmt: skip
        return [concluded]
    return []


def derived_id(subject: str, kind: str) -> str:
    """The identity of a derived event that happens once per case."""
    return f"{subject}/{kind}"


def _filing_assessed(case: CaseState, subject: str, site: str) -> FilingAssessed:
    assert case.filed_on and case.due_original and case.working_days_to_file is not None
    due = current_due_date(case, case.filed_on)
    assert due is not None
    return FilingAssessed(
        id=derived_id(subject, "FilingAssessed"),
        subject=subject,
        site=site,
        filed_on=case.filed_on,
        working_days_to_file=case.working_days_to_file,
        within_40_working_days=case.filed_on <= case.due_original,
        by_due_date=case.filed_on <= due,
    )
