"""The evaluator's replay as a pure fold: raw lines in, per-site figures and event counts out.

The adapter (`services.replay`) reads files and writes output; this module only folds.
"""

import datetime as dt
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from services.core.case import CaseState
from services.core.ledger import (
    ACCEPTED,
    DUPLICATE,
    REJECTED,
    CaseLedger,
    Outcome,
    expire_held,
    receive,
)
from services.core.metrics import site_figures, tally_sites
from services.core.rules import Rules
from services.core.validation import REJECTION_REASONS, Rejection, Validator


@dataclass(frozen=True, slots=True)
class Refusal:
    """A line that was not applied: its caller token and why."""

    token: Any
    rejection: Rejection


@dataclass(frozen=True, slots=True)
class ReplayResult:
    as_of: dt.date | None
    first_business_date: dt.date | None  # the earliest issue date among the cases
    sites: dict[str, dict[str, Any]]
    accepted: int
    duplicates: int
    rejected: dict[str, int]

    @property
    def lines(self) -> int:
        return self.accepted + self.duplicates + sum(self.rejected.values())

    def as_json(self) -> dict[str, Any]:
        """The replay output document of the contract."""
        return {
            "as_of": self.as_of.isoformat() if self.as_of else None,
            "sites": self.sites,
            "events": {
                "accepted": self.accepted,
                "duplicates": self.duplicates,
                "rejected": self.rejected,
            },
        }


class ReplayFold:
    """Folds a log line by line through validation, the case ledgers and the rules."""

    def __init__(self, rules: Rules) -> None:
        self._rules = rules
        self._validate = Validator(rules.sites)
        self.cases: dict[str, CaseLedger] = {}
        self.accepted = 0
        self.duplicates = 0
        self.rejected: Counter[str] = Counter()
        self.latest_business_date: dt.date | None = None

    def ingest(self, raw: bytes, token: Any) -> list[Refusal]:
        """Take one line; return the refusals it caused (its own, or of events it released)."""
        checked = self._validate(raw)
        if isinstance(checked, Rejection):
            self.rejected[checked.reason] += 1
            return [Refusal(token, checked)]
        event = checked
        ledger = self.cases.get(event.subject)
        if ledger is None:
            ledger = self.cases[event.subject] = CaseLedger()
        return self._count(receive(ledger, event, token, self._rules))

    def finish(self) -> list[Refusal]:
        """End of log: every event still held never got its prerequisite."""
        refusals = []
        for ledger in self.cases.values():
            if ledger.held:
                refusals += self._count(expire_held(ledger, lambda _: True))
        return refusals

    def _count(self, outcomes: list[Outcome]) -> list[Refusal]:
        refusals = []
        for outcome in outcomes:
            kind = outcome.kind
            if kind == ACCEPTED:
                self.accepted += 1
                on = outcome.event.on
                if self.latest_business_date is None or on > self.latest_business_date:
                    self.latest_business_date = on
            elif kind == DUPLICATE:
                self.duplicates += 1
            elif kind == REJECTED:
                assert outcome.rejection is not None
                self.rejected[outcome.rejection.reason] += 1
                refusals.append(Refusal(outcome.token, outcome.rejection))
        return refusals

    def _states(self) -> Iterator[CaseState]:
        return (ledger.state for ledger in self.cases.values())

    def result(self, as_of: dt.date | None = None) -> ReplayResult:
        """Figures as of a date (default: the latest business date accepted) and event counts."""
        as_of = as_of or self.latest_business_date
        sites = site_figures(tally_sites(self._states(), self._rules.sites, as_of)) if as_of else {}
        issued = [state.issued_on for state in self._states() if state.issued_on is not None]
        return ReplayResult(
            as_of=as_of,
            first_business_date=min(issued, default=None),
            sites=sites,
            accepted=self.accepted,
            duplicates=self.duplicates,
            rejected={reason: self.rejected[reason] for reason in REJECTION_REASONS},
        )
