"""One case's intake ledger: de-duplication by event id, holding, and release of held events.

The ledger is keyed by case (the Kafka key), so every copy of an event meets the same ledger and
the replay and the live services de-duplicate in the same scope.
"""

from collections.abc import Callable
from typing import Any, NamedTuple

from services.core.case import CaseState, apply
from services.core.checks import HOLD, awaited_event, check
from services.core.rules import Rules
from services.core.validation import CONFLICT, MISSING_PREREQUISITE, Event, Rejection

ACCEPTED = "accepted"
DUPLICATE = "duplicate"
HELD = "held"
REJECTED = "rejected"


class Outcome(NamedTuple):
    """What became of one event. `token` is the caller's handle on it (e.g. its raw bytes)."""

    kind: str
    event: Event
    token: Any
    rejection: Rejection | None = None


class Held(NamedTuple):
    event: Event
    token: Any


class CaseLedger:
    """A case's state, the event ids it has accepted or holds, and the events it holds."""

    __slots__ = ("held", "ids", "state")

    def __init__(self) -> None:
        self.state = CaseState()
        self.ids: set[str] = set()
        self.held: list[Held] = []


def receive(ledger: CaseLedger, event: Event, token: Any, rules: Rules) -> list[Outcome]:
    """Apply, hold, reject or ignore one validated event; applying may release held events."""
    if event.id in ledger.ids:
        return [Outcome(DUPLICATE, event, token)]
    verdict = check(ledger.state, event)
    if verdict == HOLD:
        ledger.ids.add(event.id)
        ledger.held.append(Held(event, token))
        return [Outcome(HELD, event, token)]
    if verdict is not None:
        return [Outcome(REJECTED, event, token, Rejection(CONFLICT, verdict))]
    apply(ledger.state, event, rules)
    ledger.ids.add(event.id)
    outcomes = [Outcome(ACCEPTED, event, token)]
    if ledger.held:
        outcomes += _release(ledger, rules)
    return outcomes


def _release(ledger: CaseLedger, rules: Rules) -> list[Outcome]:
    """Apply held events whose prerequisites have arrived, until no more can be released."""
    outcomes: list[Outcome] = []
    progressed = True
    while progressed:
        progressed = False
        for held in list(ledger.held):
            verdict = check(ledger.state, held.event)
            if verdict == HOLD:
                continue
            ledger.held.remove(held)
            progressed = True
            if verdict is None:
                apply(ledger.state, held.event, rules)
                outcomes.append(Outcome(ACCEPTED, held.event, held.token))
            else:
                ledger.ids.discard(held.event.id)
                rejection = Rejection(CONFLICT, verdict)
                outcomes.append(Outcome(REJECTED, held.event, held.token, rejection))
    return outcomes


def expire_held(ledger: CaseLedger, expired: Callable[[Held], bool]) -> list[Outcome]:
    """Reject the held events that `expired` says have waited too long for their prerequisite."""
    outcomes = []
    for held in [held for held in ledger.held if expired(held)]:
        ledger.held.remove(held)
        ledger.ids.discard(held.event.id)
        detail = f"{held.event.type} never received its {awaited_event(ledger.state, held.event)}"
        rejection = Rejection(MISSING_PREREQUISITE, detail)
        outcomes.append(Outcome(REJECTED, held.event, held.token, rejection))
    return outcomes
