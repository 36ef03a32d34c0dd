"""The case aggregate: what is known about one case, folded from its accepted events.

`apply` folds an event that `checks.check` found applicable into the state; the rules it applies
live in `rules`.
The state is mutable and owned by one fold (a replay, or one partition's table entry): events
arrive by the million in a replay, and copying the record on every event would double its cost.
"""

import datetime as dt
from collections.abc import Callable

from services.core import rules
from services.core.rules import Rules
from services.core.validation import Event


class CaseState:
    """Everything the rules and the metrics need about one case."""

    __slots__ = (
        "abuse_indicated",
        "author",
        "author_at_order",
        "checks_on",
        "children",
        "concluded_on",
        "due_original",
        "extensions",
        "filed_on",
        "harm_alleged",
        "hearings",
        "idva_referred",
        "idva_response",
        "idva_response_on",
        "issued_on",
        "la_involved",
        "ordered_on",
        "outcome",
        "recommendation",
        "reviews",
        "seen",
        "site",
        "transfers",
        "version",
        "voice_included",
        "working_days_to_file",
    )

    def __init__(self) -> None:
        self.version = 0  # events applied so far
        self.site: str | None = None
        self.issued_on: dt.date | None = None
        self.children: tuple[str, ...] = ()
        self.harm_alleged = False
        self.checks_on: dt.date | None = None
        self.la_involved = False
        self.abuse_indicated = False
        self.ordered_on: dt.date | None = None
        self.author_at_order: str | None = None
        self.author: str | None = None
        self.due_original: dt.date | None = None
        self.extensions: list[tuple[dt.date, dt.date]] = []  # (extended_on, new_due_on)
        self.transfers = 0
        self.filed_on: dt.date | None = None
        self.working_days_to_file: int | None = None
        self.voice_included: bool | None = None
        self.recommendation: str | None = None
        self.seen: dict[str, dt.date] = {}  # child_id -> first seen
        self.idva_referred: bool | None = None
        self.idva_response: str | None = None
        self.idva_response_on: dt.date | None = None
        self.hearings: list[tuple[dt.date, str]] = []
        self.concluded_on: dt.date | None = None
        self.outcome: str | None = None
        self.reviews: list[dt.date] = []


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
