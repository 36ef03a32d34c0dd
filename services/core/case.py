"""The case aggregate: what is known about one case, folded from its accepted events.

`apply` folds an event that `checks.check` found applicable into the state; the rules it applies
live in `rules`. The state is mutable and owned by one fold (a replay, or one partition's table
entry): events arrive by the million in a replay, and copying the record on each would double
its cost.
"""

import datetime as dt
from collections.abc import Callable

import msgspec

from services.core import rules
from services.core.rules import Rules
from services.core.validation import Event


class CaseState(msgspec.Struct, kw_only=True):
    """Everything the rules and the metrics need about one case.

    A msgspec struct, so a live service can store it in a table as JSON and read it back whole.
    """

    version: int = 0  # events applied so far
    last_on: dt.date | None = None  # the latest business date applied
    site: str | None = None
    issued_on: dt.date | None = None
    children: tuple[str, ...] = ()
    harm_alleged: bool = False
    checks_on: dt.date | None = None
    la_involved: bool = False
    abuse_indicated: bool = False
    ordered_on: dt.date | None = None
    author_at_order: str | None = None
    author: str | None = None
    due_original: dt.date | None = None
    extensions: list[tuple[dt.date, dt.date]] = msgspec.field(default_factory=list)
    transfers: int = 0
    transfers_on: list[tuple[dt.date, str]] = msgspec.field(default_factory=list)  # (on, to)
    filed_on: dt.date | None = None
    working_days_to_file: int | None = None
    voice_included: bool | None = None
    recommendation: str | None = None
    seen: dict[str, dt.date] = msgspec.field(default_factory=dict)  # child_id -> first seen
    idva_referred: bool | None = None
    idva_response: str | None = None
    idva_response_on: dt.date | None = None
    hearings: list[tuple[dt.date, str]] = msgspec.field(default_factory=list)
    concluded_on: dt.date | None = None
    outcome: str | None = None
    reviews: list[dt.date] = msgspec.field(default_factory=list)
    alerts_raised: list[tuple[str, dt.date]] = msgspec.field(default_factory=list)  # (kind, due)


def _issue(case: CaseState, event: Event, _: Rules) -> None:
    case.site = event.site
    case.issued_on = event.on
    case.children = tuple(child.child_id for child in event.data.children)
    case.harm_alleged = event.data.harm_alleged


def _safeguarding(case: CaseState, event: Event, _: Rules) -> None:
    case.checks_on = event.on
    case.la_involved = event.data.la_involved_last_12_weeks
    case.abuse_indicated = event.data.domestic_abuse_indicated


def _gatekeeping(case: CaseState, event: Event, context: Rules) -> None:
    assert case.site is not None
    author = rules.cir_author(event.data.cir_author, case.la_involved, context.sites[case.site])
    case.ordered_on = event.on
    case.author_at_order = case.author = author
    case.due_original = rules.cir_due_date(event.on, context.calendar)
    case.idva_referred = rules.idva_referral_made(
        event.data.idva_referral, case.harm_alleged, case.abuse_indicated
    )


def _transfer(case: CaseState, event: Event, _: Rules) -> None:
    case.author = event.data.to_author
    case.transfers += 1
    case.transfers_on.append((event.on, event.data.to_author))


def _extension(case: CaseState, event: Event, _: Rules) -> None:
    case.extensions.append((event.on, event.data.new_due_on))


def _child_seen(case: CaseState, event: Event, _: Rules) -> None:
    child = event.data.child_id
    first = case.seen.get(child)
    if first is None or event.on < first:
        case.seen[child] = event.on


def _filing(case: CaseState, event: Event, context: Rules) -> None:
    assert case.ordered_on is not None
    case.filed_on = event.on
    case.working_days_to_file = context.calendar.working_days_between(case.ordered_on, event.on)
    case.voice_included = event.data.child_voice_included
    case.recommendation = event.data.recommendation


def _idva_accepted(case: CaseState, event: Event, _: Rules) -> None:
    case.idva_response, case.idva_response_on = "accepted", event.on


def _idva_declined(case: CaseState, event: Event, _: Rules) -> None:
    case.idva_response, case.idva_response_on = "declined", event.on


def _hearing(case: CaseState, event: Event, _: Rules) -> None:
    case.hearings.append((event.on, event.data.hearing_type))


def _final_order(case: CaseState, event: Event, _: Rules) -> None:
    case.concluded_on, case.outcome = event.on, "final_order"


def _withdrawal(case: CaseState, event: Event, _: Rules) -> None:
    case.concluded_on, case.outcome = event.on, "withdrawn"


def _review(case: CaseState, event: Event, _: Rules) -> None:
    case.reviews.append(event.on)


_APPLY: dict[str, Callable[[CaseState, Event, Rules], None]] = {
    "ApplicationIssued": _issue,
    "SafeguardingChecksCompleted": _safeguarding,
    "GatekeepingDecisionMade": _gatekeeping,
    "CirTransferred": _transfer,
    "CirDueDateExtended": _extension,
    "ChildSeen": _child_seen,
    "CirFiled": _filing,
    "IdvaReferralAccepted": _idva_accepted,
    "IdvaReferralDeclined": _idva_declined,
    "HearingHeld": _hearing,
    "FinalOrderMade": _final_order,
    "ApplicationWithdrawn": _withdrawal,
    "ReviewCompleted": _review,
}


def apply(case: CaseState, event: Event, context: Rules) -> None:
    """Fold an applicable event into the case."""
    _APPLY[event.type](case, event, context)
    case.version += 1
    on = event.on
    if case.last_on is None or on > case.last_on:
        case.last_on = on
