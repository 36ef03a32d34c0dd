"""Preparing the CIR: transfers between authors, extensions of the due date, children seen."""

import datetime as dt

from services.core.sites import Site
from services.simulator.dates import DAY, add_working_days
from services.simulator.draft import COURT, LOCAL_AUTHORITY, CaseDraft
from services.simulator.parameters import Parameters

ORIGINAL_DUE_DAYS = 56  # 40 working days as calendar days: close enough to place extensions

Authors = list[tuple[dt.date, str]]  # who writes the report from which date, earliest first


def prepare_report(draft: CaseDraft, decided_on: dt.date, author: str) -> tuple[dt.date, str]:
    """Everything up to the day the report is due to be filed: that day and its author."""
    p, rng = draft.parameters, draft.rng
    authors = _transfer(draft, decided_on, author)
    filed_on = max(_filing_date(draft, decided_on), authors[-1][0])
    for child in draft.children:
        if p.child_seen_share.happens(rng):
            _see(draft, child, draft.day_between(decided_on, filed_on), authors)
    return filed_on, authors[-1][1]


def expected_days_to_report(p: Parameters) -> float:
    """Mean calendar days from issue to CIR filing, so durations can be aimed at their targets."""
    to_order = p.gatekeeping_working_days.mean * 7 / 5
    late = p.late_filing_share.value
    working_days = (1 - late) * p.filing_working_days_on_time.mean
    working_days += late * p.filing_working_days_late.mean
    extended = ORIGINAL_DUE_DAYS + p.extension_days_beyond_due.mean / 2
    share = p.extension_share.value
    return to_order + (1 - share) * working_days * 7 / 5 + share * extended


def _transfer(draft: CaseDraft, decided_on: dt.date, author: str) -> Authors:
    p, rng = draft.parameters, draft.rng
    authors = [(decided_on, author)]
    if p.transfer_share.happens(rng):
        transferred_on = draft.later(decided_on, p.transfer_days.draw(rng))
        to_author = _other_author(author, draft.plan.site)
        draft.add(COURT, "CirTransferred", transferred_on=transferred_on, to_author=to_author)
        authors.append((transferred_on, to_author))
    return authors


def _other_author(author: str, site: Site) -> str:
    if author != LOCAL_AUTHORITY:
        return LOCAL_AUTHORITY
    return "cafcass_cymru" if site.nation == "wales" else "cafcass"


def _filing_date(draft: CaseDraft, decided_on: dt.date) -> dt.date:
    p, rng = draft.parameters, draft.rng
    if p.extension_share.happens(rng):
        extended_on = draft.later(decided_on, p.extension_requested_days.draw(rng))
        due_on = decided_on + ORIGINAL_DUE_DAYS * DAY
        new_due_on = draft.later(due_on, p.extension_days_beyond_due.draw(rng))
        draft.add(COURT, "CirDueDateExtended", extended_on=extended_on, new_due_on=new_due_on)
        return max(draft.day_between(due_on, new_due_on), extended_on)
    late = p.late_filing_share.happens(rng)
    span = p.filing_working_days_late if late else p.filing_working_days_on_time
    return add_working_days(decided_on, span.draw(rng))


def _see(draft: CaseDraft, child: str, seen_on: dt.date, authors: Authors) -> None:
    in_person = draft.parameters.child_seen_in_person_share.happens(draft.rng)
    author = _author_on(seen_on, authors)
    draft.add(author, "ChildSeen", child_id=child, seen_on=seen_on, in_person=in_person)
    draft.child_seen = True


def _author_on(day: dt.date, authors: Authors) -> str:
    return [author for since, author in authors if since <= day][-1]
