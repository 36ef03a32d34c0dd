"""The evaluator's replay as a pure fold: raw lines in, per-site figures and event counts out.

Several folds can share a log, each taking the lines of its shard of the cases (`routing`);
their counts and tallies add up to one fold's. `services.evaluator.replay` reads the files.
"""

import datetime as dt
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from services.core.case import CaseState, apply
from services.core.checks import check
from services.core.ledger import (
    ACCEPTED,
    DUPLICATE,
    REJECTED,
    CaseLedger,
    Outcome,
    expire_held,
    receive,
)
from services.core.metrics import Tally, nation_figures, site_figures, tally_sites
from services.core.rules import Rules
from services.core.validation import REJECTION_REASONS, Rejection, Validator


class Refusal(NamedTuple):
    """A line that was not applied: its caller token and why."""

    token: Any
    rejection: Rejection


@dataclass(slots=True)
class EventCounts:
    """What became of the lines a fold owns, and the span of business dates it saw."""

    accepted: int = 0
    duplicates: int = 0
    rejected: Counter[str] = field(default_factory=Counter)
    latest_business_date: dt.date | None = None
    first_issue_date: dt.date | None = None

    def add(self, other: "EventCounts") -> None:
        """Add another fold's counts to these."""
        self.accepted += other.accepted
        self.duplicates += other.duplicates
        self.rejected.update(other.rejected)
        self.latest_business_date = _latest(self.latest_business_date, other.latest_business_date)
        earliest = [d for d in (self.first_issue_date, other.first_issue_date) if d is not None]
        self.first_issue_date = min(earliest, default=None)


def _latest(first: dt.date | None, second: dt.date | None) -> dt.date | None:
    return max(first, second) if first and second else first or second


@dataclass(frozen=True, slots=True)
class ReplayResult:
    as_of: dt.date | None
    first_business_date: dt.date | None  # the earliest issue date among the cases
    sites: dict[str, dict[str, Any]]
    nations: dict[str, dict[str, Any]]  # the same figures, each nation's sites added together
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
            "nations": self.nations,
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
        self.counts = EventCounts()

    def ingest(self, raw: bytes, token: Any) -> list[Refusal]:
        """Take one line; return the refusals it caused (its own, or of events it released)."""
        checked = self._validate(raw)
        if isinstance(checked, Rejection):
            self.counts.rejected[checked.reason] += 1
            return [Refusal(token, checked)]
        ledger = self.cases.get(checked.subject)
        if ledger is None:
            ledger = self.cases[checked.subject] = CaseLedger()
        return self._count(receive(ledger, checked, token, self._rules))

    def ingest_lines(
        self, lines: Iterable[tuple[int, bytes]], token: Callable[[int, bytes], Any]
    ) -> list[Refusal]:
        """Take numbered lines in order: the same as `ingest(raw, token(number, raw))` of each.

        The common event, new to a case that holds nothing and applicable at once, is applied
        here as `receive` would, without the outcomes it builds; every other line (refused,
        repeated, held, conflicting, or releasing held events) goes the general way, with its
        token made only then. A property test holds the two ways to the same results.
        """
        validate, cases, rules, counts = self._validate, self.cases, self._rules, self.counts
        accepted, latest = 0, counts.latest_business_date
        refusals: list[Refusal] = []
        for number, raw in lines:
            event = validate(raw)
            if isinstance(event, Rejection):
                counts.rejected[event.reason] += 1
                refusals.append(Refusal(token(number, raw), event))
                continue
            ledger = cases.get(event.subject)
            if ledger is None:
                ledger = cases[event.subject] = CaseLedger()
            if ledger.held or event.id in ledger.ids or check(ledger.state, event) is not None:
                refusals += self._count(receive(ledger, event, token(number, raw), rules))
                continue
            apply(ledger.state, event, rules)
            ledger.ids.add(event.id)
            accepted += 1
            on = event.on
            if latest is None or on > latest:
                latest = on
        counts.accepted += accepted
        counts.latest_business_date = _latest(counts.latest_business_date, latest)
        return refusals

    def finish(self) -> list[Refusal]:
        """End of log: every event still held never got its prerequisite."""
        refusals = []
        for ledger in self.cases.values():
            if ledger.held:
                refusals += self._count(expire_held(ledger, lambda _: True))
        issued = [state.issued_on for state in self._states() if state.issued_on is not None]
        self.counts.first_issue_date = min(issued, default=None)
        return refusals

    def _count(self, outcomes: list[Outcome]) -> list[Refusal]:
        counts, refusals = self.counts, []
        for outcome in outcomes:
            kind = outcome.kind
            if kind == ACCEPTED:
                counts.accepted += 1
                on = outcome.event.on
                if counts.latest_business_date is None or on > counts.latest_business_date:
                    counts.latest_business_date = on
            elif kind == DUPLICATE:
                counts.duplicates += 1
            elif kind == REJECTED:
                assert outcome.rejection is not None
                counts.rejected[outcome.rejection.reason] += 1
                refusals.append(Refusal(outcome.token, outcome.rejection))
        return refusals

    def _states(self) -> Iterator[CaseState]:
        return (ledger.state for ledger in self.cases.values())

    def states(self) -> list[tuple[str, CaseState]]:
        """Every case's reference and state."""
        return [(reference, ledger.state) for reference, ledger in self.cases.items()]

    def tallies(self, as_of: dt.date) -> dict[str, Tally]:
        """This fold's tallies per site (and `all`) as of a date."""
        return tally_sites(self._states(), self._rules.sites, as_of)

    def result(self, as_of: dt.date | None = None) -> ReplayResult:
        """Figures as of a date (default: the latest business date accepted) and event counts."""
        as_of = as_of or self.counts.latest_business_date
        shards = [self.tallies(as_of)] if as_of else []
        return combine(self.counts, shards, as_of, self._rules)


def combine(
    counts: EventCounts,
    shard_tallies: Iterable[dict[str, Tally]],
    as_of: dt.date | None,
    rules: Rules,
) -> ReplayResult:
    """One result from the (already added) counts and the tallies of every shard."""
    merged: dict[str, Tally] = {}
    for tallies in shard_tallies:
        for site, tally in tallies.items():
            merged.setdefault(site, Tally()).add(tally)
    return ReplayResult(
        as_of=as_of,
        first_business_date=counts.first_issue_date,
        sites=site_figures(merged),
        nations=nation_figures(merged, {code: site.nation for code, site in rules.sites.items()}),
        accepted=counts.accepted,
        duplicates=counts.duplicates,
        rejected={reason: counts.rejected[reason] for reason in REJECTION_REASONS},
    )
