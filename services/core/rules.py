"""The Pathfinder rules: who writes the CIR, when it is due, when an IDVA referral is made."""

import datetime as dt
from dataclasses import dataclass
from typing import Protocol

from services.core.sites import Site, SiteRegistry

CIR_WORKING_DAYS = 40
LOCAL_AUTHORITY = "local_authority"


class Calendar(Protocol):
    def add_working_days(self, start: dt.date, n: int) -> dt.date: ...
    def working_days_between(self, start: dt.date, end: dt.date) -> int: ...


@dataclass(frozen=True, slots=True)
class Rules:
    """What the rules need from outside a case: the working-day calendar and the site registry."""

    calendar: Calendar
    sites: SiteRegistry


def cir_author(ordered_author: str | None, la_involved: bool, site: Site) -> str:
    """The court's choice when given; else the local authority if involved in the last 12 weeks,
    else the nation's default (Cafcass in England, Cafcass Cymru in Wales)."""
    if ordered_author is not None:
        return ordered_author
    return LOCAL_AUTHORITY if la_involved else site.default_cir_author


def cir_due_date(ordered_on: dt.date, calendar: Calendar) -> dt.date:
    """40 working days after the order, the order date itself not counted."""
    return calendar.add_working_days(ordered_on, CIR_WORKING_DAYS)


def idva_referral_made(ordered: bool | None, harm_alleged: bool, abuse_indicated: bool) -> bool:
    """The court's choice when given; else whenever harm is alleged or abuse indicated."""
    if ordered is not None:
        return ordered
    return harm_alleged or abuse_indicated


def duration_weeks(issued_on: dt.date, concluded_on: dt.date) -> float:
    """Duration of a concluded case in weeks: calendar days from issue to conclusion over 7."""
    return (concluded_on - issued_on).days / 7
