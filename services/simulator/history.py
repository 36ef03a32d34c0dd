"""One synthetic case: a valid Pathfinder history drawn from a seeded `random.Random`, and the
events its systems publish about it.

Pure: no clock, no global random, no I/O.
"""

import datetime as dt
import random
from operator import attrgetter

from schemas.catalogue import LATEST_BUSINESS_DATE
from services.simulator.conclusion import conclude
from services.simulator.draft import CaseDraft, CasePlan, Fact
from services.simulator.envelopes import GeneratedEvent, publish
from services.simulator.opening import check_safeguarding, gatekeep, issue
from services.simulator.parameters import Parameters
from services.simulator.report import prepare_report


def generate_case(
    plan: CasePlan, rng: random.Random, parameters: Parameters, until: dt.date
) -> list[GeneratedEvent]:
    """The case's published events up to `until`: later ones have not happened when the log ends.

    Each publishing system records its own events about a case in business order; only events
    from different systems can arrive out of that order.
    """
    subject, site_code = plan.subject, plan.site.code
    last_recorded_ms: dict[str, int] = {}
    events = []
    for fact in sorted(case_history(plan, rng, parameters), key=attrgetter("on")):
        if fact.on > until:
            break
        if _beyond_the_contract(fact):  # e.g. an extension to a due date after 2099
            continue
        not_before_ms = last_recorded_ms.get(fact.publisher, 0)
        event = publish(fact, subject, site_code, rng, parameters, not_before_ms)
        last_recorded_ms[fact.publisher] = event.arrival_ms
        events.append(event)
    return events


def _beyond_the_contract(fact: Fact) -> bool:
    """A fact carrying a date the contract refuses: it is not recorded."""
    return any(
        isinstance(value, dt.date) and value > LATEST_BUSINESS_DATE for value in fact.data.values()
    )


def case_history(plan: CasePlan, rng: random.Random, parameters: Parameters) -> list[Fact]:
    """The case's whole history; every rule of a valid case holds. Facts of the same day come
    in the order they happened."""
    draft = CaseDraft(plan, rng, parameters)
    harm_alleged = issue(draft)
    checked_on, la_involved, abuse = check_safeguarding(draft, harm_alleged)
    decided_on, author = gatekeep(draft, checked_on, la_involved, harm_alleged or abuse)
    filed_on, author_at_filing = prepare_report(draft, decided_on, author)
    conclude(draft, filed_on, author_at_filing)
    return draft.facts
