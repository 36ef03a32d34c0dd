"""The gatekeeping agent: facts with a growing version, derived events, redelivery ignored."""

import msgspec
import pytest

from services.core.derived import CaseFacts
from services.gatekeeping import app as gatekeeping
from tests.builders import event, line

CASE = b"PF-DOR-000001"


@pytest.fixture(autouse=True)
def empty_tables(fresh):
    fresh(gatekeeping.app, gatekeeping.cases)


async def test_each_applied_event_publishes_newer_facts_and_what_it_derives(record):
    facts, derived = record(gatekeeping.case_facts), record(gatekeeping.derived)
    issued = line(event("ApplicationIssued", issued_on="2024-06-03", harm_alleged=True))
    checks = line(event("SafeguardingChecksCompleted", completed_on="2024-06-03"))
    decided = line(event("GatekeepingDecisionMade", decided_on="2024-06-05"))
    async with gatekeeping.gatekeep.test_context() as agent:
        for raw in (issued, checks, decided, decided):  # the last one is redelivered
            await agent.put(raw, key=CASE)
    versions = [msgspec.json.decode(v, type=CaseFacts).state.version for v in facts.values]
    assert versions == [1, 2, 3, 3]
    kinds = [msgspec.json.decode(v)["type"] for v in derived.values]
    # the wall clock is long past the 2024 due date: one overdue alert, not one per delivery
    assert kinds == ["CirOrdered", "IdvaReferralMade", "CirOverdue"]
    assert msgspec.json.decode(derived.values[0])["due_on"] == "2024-07-31"
    assert msgspec.json.decode(derived.values[2])["due_on"] == "2024-07-31"
