"""The intake worker's agents: re-keying, admitting, holding, expiring, and failing safely."""

import asyncio
import datetime as dt
import re

import pytest
from faust.types import TP

from services.bootstrap import build_intake
from services.intake import worker as intake_module
from services.streaming.failures import PROCESSING_ERROR
from tests.agents.conftest import headers_of, tick, tick_on
from tests.builders import event, line

ORIGIN = {"origin": b"pathfinder.court-events.v1/2/41"}
CASE = b"PF-DOR-000001"


@pytest.fixture
def intake(build, settings):
    return build(build_intake, settings)


async def test_route_keys_each_message_by_its_case_reference(intake, record):
    sent = record(intake.by_case)
    raw = line(event("ApplicationIssued", subject="PF-DOR-000777"))
    async with intake.route.test_context() as agent:
        await agent.put(raw, key=b"whatever-the-publisher-used")
    [message] = sent.messages
    assert message["key"] == b"PF-DOR-000777" and message["value"] == raw
    assert re.fullmatch(rb".+/[0-9]+/[0-9]+", message["headers"]["origin"])


async def test_admit_passes_on_what_applies_and_holds_what_waits(intake, record):
    accepted, dead = record(intake.case_events), record(intake.dead_letter_topic)
    issued, filed = line(event("ApplicationIssued")), line(event("CirFiled"))
    decided = line(event("GatekeepingDecisionMade", cir_author="cafcass", idva_referral=False))
    async with intake.admit.test_context() as agent:
        await agent.put(filed, key=CASE, headers=ORIGIN)
        assert accepted.values == []  # held: no decision yet
        await agent.put(issued, key=CASE, headers=ORIGIN)
        await agent.put(decided, key=CASE, headers=ORIGIN)
        await agent.put(decided, key=CASE, headers=ORIGIN)  # a duplicate
    assert accepted.values == [issued, decided, filed]
    assert dead.messages == []
    assert intake.ledgers[CASE] is not None


async def test_admit_dead_letters_with_reason_worker_and_source(intake, record):
    dead = record(intake.dead_letter_topic)
    async with intake.admit.test_context() as agent:
        await agent.put(b"not json", key=b"", headers=ORIGIN)
    [message] = dead.messages
    headers = headers_of(message)
    assert message["value"] == b"not json"
    assert headers["reason"] == b"malformed" and headers["worker"] == b"intake"
    assert headers["source-topic"] == b"pathfinder.court-events.v1"
    assert (headers["source-partition"], headers["source-offset"]) == (b"2", b"41")


async def test_a_held_message_waits_the_hold_limit_from_the_date_it_arrived(intake, record):
    # given a CirFiled held on 2025-03-03, the first message this worker takes
    dead, _ = record(intake.dead_letter_topic), record(intake.case_events)
    filed = line(event("CirFiled", filed_on="2025-03-03"))
    async with intake.admit.test_context() as agent:
        await agent.put(filed, key=CASE, headers=ORIGIN)
        # when the clock reaches the hold limit, and then passes it
        at_limit = line(event("ApplicationIssued", subject="PF-DOR-000002", issued_on="2025-04-02"))
        await agent.put(at_limit, key=b"PF-DOR-000002", headers=ORIGIN)
        value, headers = tick(intake)
        await agent.put(value, key=b"", headers=headers)
        assert dead.messages == []  # 30 days: still within the limit
        past = line(event("ApplicationIssued", subject="PF-DOR-000003", issued_on="2025-04-03"))
        await agent.put(past, key=b"PF-DOR-000003", headers=ORIGIN)
        value, headers = tick(intake)
        await agent.put(value, key=b"", headers=headers)
    # then it is dead-lettered once the limit has passed, not before
    [message] = dead.messages
    assert headers_of(message)["reason"] == b"missing_prerequisite"
    assert message["value"] == filed


async def test_no_held_message_expires_because_another_partition_is_ahead(build, settings, record):
    # given a message held on partition 0 while partition 1's publishers are months ahead
    intake = build(build_intake, settings.model_copy(update={"clock_idle_seconds": 0.3}))
    dead = record(intake.dead_letter_topic)
    record(intake.case_events)
    filed = line(event("CirFiled", filed_on="2025-01-06"))
    ahead = line(event("ApplicationIssued", subject="PF-DOR-000002", issued_on="2025-06-02"))
    async with intake.admit.test_context() as agent:
        await agent.put(filed, key=CASE, headers=ORIGIN, partition=0)
        await agent.put(ahead, key=b"PF-DOR-000002", headers=ORIGIN, partition=1)
        # when partition 0's tick comes while both partitions have traffic
        value, headers = tick(intake)
        await agent.put(value, key=b"", headers=headers, partition=0)
        # then the held message waits: today is the slower partition's date
        assert dead.messages == []
        # and when partition 0 has been quiet for the idle time, it follows partition 1
        await asyncio.sleep(0.5)
        later = line(event("ApplicationIssued", subject="PF-DOR-000003", issued_on="2025-06-03"))
        await agent.put(later, key=b"PF-DOR-000003", headers=ORIGIN, partition=1)
        value, headers = tick(intake)
        await agent.put(value, key=b"", headers=headers, partition=0)
    [message] = dead.messages
    assert headers_of(message)["reason"] == b"missing_prerequisite"


async def test_a_fault_in_the_code_is_dead_lettered_and_the_partition_moves_on(
    intake, record, monkeypatch
):
    # given a fault injected into the ledger for one case
    dead, accepted = record(intake.dead_letter_topic), record(intake.case_events)
    real_receive = intake_module.receive

    def failing_receive(ledger, checked, token, rules):
        if checked.subject == "PF-DOR-000666":
            raise KeyError("PF-DOR-000666")
        return real_receive(ledger, checked, token, rules)

    monkeypatch.setattr(intake_module, "receive", failing_receive)
    poisoned = line(event("ApplicationIssued", subject="PF-DOR-000666"))
    healthy = line(event("ApplicationIssued", subject="PF-DOR-000001"))
    # when both arrive
    async with intake.admit.test_context() as agent:
        await agent.put(poisoned, key=b"PF-DOR-000666", headers=ORIGIN)
        await agent.put(healthy, key=CASE, headers=ORIGIN)
    # then the failing one is dead-lettered as processing_error, and the next one applied
    [message] = dead.messages
    headers = headers_of(message)
    assert headers["reason"] == PROCESSING_ERROR.encode()
    assert headers["detail"] == b"intake raised KeyError"
    assert (headers["worker"], headers["source-offset"]) == (b"intake", b"0")
    assert message["value"] == poisoned
    assert accepted.values == [healthy]
    assert intake.errors.labels("intake", "message")._value.get() == 1


async def test_a_damaged_ledger_skips_only_itself_on_ticks(intake, record):
    # given two cases holding messages, one of whose ledgers no longer decodes
    dead, _ = record(intake.dead_letter_topic), record(intake.case_events)
    async with intake.admit.test_context() as agent:
        for subject in (b"PF-DOR-000001", b"PF-DOR-000002"):
            held = line(event("CirFiled", subject=subject.decode(), filed_on="2025-01-06"))
            await agent.put(held, key=subject, headers=ORIGIN)
        intake.ledgers.data[b"PF-DOR-000001"] = b'{"form": 1, "partition": 0, "state": 7}'
        late = line(event("ApplicationIssued", subject="PF-DOR-000009", issued_on="2025-03-03"))
        await agent.put(late, key=b"PF-DOR-000009", headers=ORIGIN)
        # when a tick comes, twice
        for _ in range(2):
            value, headers = tick(intake)
            await agent.put(value, key=b"", headers=headers)
    # then the readable case's message expires, and the damaged one is counted once, not crashed on
    assert [headers_of(m)["reason"] for m in dead.messages] == [b"missing_prerequisite"]
    assert intake.errors.labels("intake", "tick")._value.get() == 1


async def test_a_partition_assigned_later_expires_its_held_messages(build, settings, record):
    # given a worker that held a message on partition 3, then lost the partition
    first = build(build_intake, settings)
    record(first.case_events)
    filed = line(event("CirFiled", filed_on="2025-01-06"))
    async with first.admit.test_context() as agent:
        await agent.put(filed, key=CASE, headers=ORIGIN, partition=3)
    stored = dict(first.ledgers.items())
    # when a second worker takes partition 3 over, its table recovered from the changelog
    second = build(build_intake, settings)
    dead, _ = record(second.dead_letter_topic), record(second.case_events)
    async with second.admit.test_context() as agent:
        second.ledgers.data.update(stored)
        late = line(event("ApplicationIssued", subject="PF-DOR-000009", issued_on="2025-03-03"))
        await agent.put(late, key=b"PF-DOR-000009", headers=ORIGIN, partition=3)
        value, headers = tick(second)
        await agent.put(value, key=b"", headers=headers, partition=3)
        # and after the partition is revoked and assigned again, the index is rebuilt
        await second._on_partitions_revoked(second.app, {TP(second.topics.intake_by_case, 3)})
        assert len(second.waiting) == 0
    # then the new owner dead-letters the message that waited past the limit
    [message] = dead.messages
    assert headers_of(message)["reason"] == b"missing_prerequisite"
    assert message["value"] == filed


async def test_a_message_held_before_the_clock_has_a_date_counts_from_its_first_date(
    intake, record
):
    # given a message held while a partition with no event yet keeps the clock undecided
    dead, _ = record(intake.dead_letter_topic), record(intake.case_events)
    intake.clock.assigned({0, 1})
    filed = line(event("CirFiled", filed_on="2099-12-20"))
    async with intake.admit.test_context() as agent:
        await agent.put(filed, key=CASE, headers=ORIGIN, partition=0)
        assert intake.clock.today() is None
        # when ticks come on the first date the clock decides, and on the hold limit after it
        for today in (dt.date(2100, 1, 5), dt.date(2100, 2, 4)):
            value, headers = tick_on(intake, today)
            await agent.put(value, key=b"", headers=headers, partition=0)
            assert dead.messages == []
        value, headers = tick_on(intake, dt.date(2100, 2, 5))
        await agent.put(value, key=b"", headers=headers, partition=0)
    # then it waited the hold limit from the first date, not from its own (later) business date
    [message] = dead.messages
    assert headers_of(message)["reason"] == b"missing_prerequisite"
