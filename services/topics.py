"""Topic names, all under one configurable prefix; every topic is keyed by the case reference
but the refusals, keyed by the publisher's CloudEvents `source`."""

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Topics:
    prefix: str = "pathfinder"

    @property
    def court_events(self) -> str:
        """Inbound: CloudEvents JSON from publishers."""
        return f"{self.prefix}.court-events.v1"

    @property
    def case_events(self) -> str:
        """The canonical log of accepted events (original bytes): what evaluators replay."""
        return f"{self.prefix}.case-events.v1"

    @property
    def case_facts(self) -> str:
        """The latest state of each case, versioned: what reporting projects."""
        return f"{self.prefix}.case-facts.v1"

    @property
    def derived_events(self) -> str:
        """What gatekeeping derives: CIR ordered, due soon, overdue, filing assessed, concluded."""
        return f"{self.prefix}.derived-events.v1"

    @property
    def dead_letter(self) -> str:
        """Refused messages, byte for byte, with reason headers."""
        return f"{self.prefix}.dead-letter.v1"

    @property
    def refusals(self) -> str:
        """For publishers: one message per refused inbound message, keyed by its CloudEvents
        `source`, with why but without its payload."""
        return f"{self.prefix}.refusals.v1"

    @property
    def intake_by_case(self) -> str:
        """Internal to intake: inbound messages re-keyed by the case reference inside them."""
        return f"{self.prefix}-intake-by-case"

    @property
    def gatekeeping_ticks(self) -> str:
        """Internal: gatekeeping's clock reports; reporting reads them for the business date."""
        return f"{self.prefix}-gatekeeping-ticks"

    def all(self) -> tuple[str, ...]:
        """Every topic of the contract (the internal ones are created by the workers)."""
        return (
            self.court_events,
            self.case_events,
            self.case_facts,
            self.derived_events,
            self.dead_letter,
            self.refusals,
        )
