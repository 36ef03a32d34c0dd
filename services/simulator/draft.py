"""What drawing one case works with: its plan, the facts drawn so far and the shared draws.

Pure: no clock, no global random, no I/O.
"""

import datetime as dt
import random
from dataclasses import dataclass
from typing import Any, NamedTuple

from schemas.catalogue import BUSINESS_DATE_FIELD
from services.core.sites import Site
from services.simulator.dates import DAY, working_day_on_or_after
from services.simulator.parameters import Parameters

COURT, IDVA, LOCAL_AUTHORITY = "court", "idva", "local_authority"


def case_reference(prefix: str, site_code: str, number: int) -> str:
    """A pseudonymous reference such as PF7-DOR-000123: the log's prefix, the site (initials for
    multi-word site codes) and the case's number."""
    words = site_code.split("-")
    site = "".join(word[0] for word in words) if len(words) > 1 else site_code[:3]
    return f"{prefix}-{site.upper()}-{number:06d}"


@dataclass(frozen=True, slots=True)
class CasePlan:
    """A case to generate: its number (unique in the log), site and issue date, the log's
    reference prefix, and the mean wait from its report to its conclusion (its site's)."""

    number: int
    site: Site
    issued_on: dt.date
    prefix: str
    mean_days_after_report: float

    @property
    def subject(self) -> str:
        return case_reference(self.prefix, self.site.code, self.number)


class Fact(NamedTuple):
    """An event before publication: business date, type, publishing system and data."""

    on: dt.date
    type: str
    publisher: str
    data: dict[str, Any]


class CaseDraft:
    """A case being drawn stage by stage; each date is on or after every date it depends on."""

    def __init__(self, plan: CasePlan, rng: random.Random, parameters: Parameters) -> None:
        self.plan, self.rng, self.parameters = plan, rng, parameters
        self.facts: list[Fact] = []
        self.children = [f"C{n}" for n in range(1, parameters.children_per_case.draw(rng) + 1)]
        self.child_seen = False

    def add(self, publisher: str, event_type: str, **data: Any) -> None:
        self.facts.append(Fact(data[BUSINESS_DATE_FIELD[event_type]], event_type, publisher, data))

    def later(self, day: dt.date, days: int) -> dt.date:
        return working_day_on_or_after(day + days * DAY)

    def day_between(self, first: dt.date, last: dt.date) -> dt.date:
        return self.later(first, self.rng.randint(0, max((last - first).days, 0)))
