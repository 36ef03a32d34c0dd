"""The intake agents: re-keying by case, then admitting, holding and dead-lettering."""

import re

import pytest

from services.intake import app as intake
from tests.builders import event, line

ORIGIN = {"origin": b"pathfinder.court-events.v1/2/41"}


@pytest.fixture(autouse=True)
def empty_tables(fresh):
    fresh(intake.app, intake.ledgers)
    intake.waiting.__init__()


async def test_route_keys_each_message_by_its_case_reference(record):
    sent = record(intake.by_case)
    raw = line(event("ApplicationIssued", subject="PF-DOR-000777"))
    async with intake.route.test_context() as agent:
        await agent.put(raw, key=b"whatever-the-publisher-used")
    [message] = sent.messages
    assert message["key"] == b"PF-DOR-000777" and message["value"] == raw
    assert re.fullmatch(rb".+/[0-9]+/[0-9]+", message["headers"]["origin"])


async def test_admit_passes_on_what_applies_and_holds_what_waits(record):
    accepted, dead = record(intake.case_events), record(intake.dead_letter)
    issued, filed = line(event("ApplicationIssued")), line(event("CirFiled"))
    decided = line(event("GatekeepingDecisionMade", cir_author="cafcass", idva_referral=False))
    async with intake.admit.test_context() as agent:
        await agent.put(filed, key=b"PF-DOR-000001", headers=ORIGIN)
        assert accepted.values == []  # held: no decision yet
        await agent.put(issued, key=b"PF-DOR-000001", headers=ORIGIN)
        await agent.put(decided, key=b"PF-DOR-000001", headers=ORIGIN)
        await agent.put(decided, key=b"PF-DOR-000001", headers=ORIGIN)  # a duplicate
    assert accepted.values == [issued, decided, filed]
    assert dead.messages == []
    assert intake.ledgers[b"PF-DOR-000001"] is not None


async def test_admit_dead_letters_with_reason_and_source(record):
    dead = record(intake.dead_letter)
    async with intake.admit.test_context() as agent:
        await agent.put(b"not json", key=b"", headers=ORIGIN)
    [message] = dead.messages
    assert message["value"] == b"not json"
    assert message["headers"]["reason"] == b"malformed"
    assert message["headers"]["source-topic"] == b"pathfinder.court-events.v1"
    assert (message["headers"]["source-partition"], message["headers"]["source-offset"]) == (
        b"2",
        b"41",
    )
