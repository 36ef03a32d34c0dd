"""The gatekeeping worker: facts with a growing version, derived events, alerts raised once."""

import datetime as dt

import msgspec
import pytest

from services.bootstrap import build_gatekeeping
from services.core.derived import CaseFacts
from services.gatekeeping import worker as gatekeeping_module
from services.streaming.clock import decode_report
from tests.agents.conftest import headers_of, tick
from tests.builders import event, line

CASE = b"PF-DOR-000001"


@pytest.fixture
def wall_settings(settings):
    return settings.model_copy(update={"clock": "wall"})


async def test_each_applied_event_publishes_newer_facts_and_what_it_derives(
    build, wall_settings, record
):
    gatekeeping = build(build_gatekeeping, wall_settings)
    facts, derived = record(gatekeeping.case_facts), record(gatekeeping.derived)
    issued = line(event("ApplicationIssued", issued_on="2024-06-03", harm_alleged=True))
    checks = line(event("SafeguardingChecksCompleted", completed_on="2024-06-03"))
    decided = line(event("GatekeepingDecisionMade", decided_on="2024-06-05"))
    async with gatekeeping.gatekeep.test_context() as agent:
        for raw in (issued, checks, decided, decided):  # the last one is redelivered
            await agent.put(raw, key=CASE)
    versions = [msgspec.json.decode(v, type=CaseFacts).state.version for v in facts.values]
    assert versions == [1, 2, 3, 3]
    messages = [msgspec.json.decode(v) for v in derived.values]
    # the wall clock is long past the 2024 due date: one overdue alert, not one per delivery
    assert [m["type"] for m in messages] == ["CirOrdered", "IdvaReferralMade", "CirOverdue"]
    assert messages[0]["due_on"] == messages[2]["due_on"] == "2024-07-31"
    assert messages[0]["id"] == "PF-DOR-000001/CirOrdered"
    assert messages[2]["id"] == "PF-DOR-000001/CirOverdue/2024-07-31"


async def test_a_quiet_case_gets_its_alert_from_whichever_worker_owns_it(
    build, settings, record, rules
):
    # given a case with a CIR ordered on partition 2 of one worker, which then loses the partition
    first = build(build_gatekeeping, settings)
    record(first.case_facts), record(first.derived)
    opened = [
        line(event("ApplicationIssued", issued_on="2025-01-06")),
        line(event("GatekeepingDecisionMade", decided_on="2025-01-07", cir_author="cafcass",
                   idva_referral=False)),
    ]  # fmt: skip
    async with first.gatekeep.test_context() as agent:
        for raw in opened:
            await agent.put(raw, key=CASE, partition=2)
    stored = dict(first.cases.items())
    # when another worker takes the partition over and the clock passes the due date
    second = build(build_gatekeeping, settings)
    record(second.case_facts)
    derived = record(second.derived)
    async with second.gatekeep.test_context() as agent:
        second.cases.data.update(stored)
        later = line(event("ApplicationIssued", subject="PF-DOR-000002", issued_on="2025-04-01"))
        await agent.put(later, key=b"PF-DOR-000002", partition=2)
        for _ in range(2):  # a second tick raises nothing again
            value, headers = tick(second)
            await agent.put(value, key=b"", headers=headers, partition=2)
    # then the quiet case's overdue alert is raised once, with the id any worker would give it
    alerts = [msgspec.json.decode(v) for v in derived.values]
    due = rules.calendar.add_working_days(dt.date(2025, 1, 7), 40)
    assert [(a["type"], a["id"]) for a in alerts] == [
        ("CirOverdue", f"PF-DOR-000001/CirOverdue/{due.isoformat()}")
    ]


async def test_an_event_gatekeeping_fails_on_is_dead_lettered_not_dropped(
    build, settings, record, monkeypatch
):
    gatekeeping = build(build_gatekeeping, settings)
    dead, facts = record(gatekeeping.dead_letter_topic), record(gatekeeping.case_facts)
    record(gatekeeping.derived)

    def broken(case, applied):
        raise ZeroDivisionError

    monkeypatch.setattr(gatekeeping_module, "derived_events", broken)
    issued = line(event("ApplicationIssued"))
    async with gatekeeping.gatekeep.test_context() as agent:
        await agent.put(issued, key=CASE)
    [message] = dead.messages
    headers = headers_of(message)
    assert (headers["reason"], headers["worker"]) == (b"processing_error", b"gatekeeping")
    assert headers["detail"] == b"gatekeeping raised ZeroDivisionError"
    assert message["value"] == issued and facts.values == []


async def test_an_event_the_case_is_not_ready_for_is_dead_lettered_and_the_case_kept_intact(
    build, settings, record
):
    # given a case whose ledger lacks its decision (as after a table recovered short)
    gatekeeping = build(build_gatekeeping, settings)
    dead, _, _ = (
        record(gatekeeping.dead_letter_topic),
        record(gatekeeping.case_facts),
        record(gatekeeping.derived),
    )
    issued, filed = line(event("ApplicationIssued")), line(event("CirFiled"))
    async with gatekeeping.gatekeep.test_context() as agent:
        await agent.put(issued, key=CASE)
        stored = gatekeeping.cases[CASE]
        # when an event arrives that needs the decision
        await agent.put(filed, key=CASE)
    # then it is a processing error, and the case's stored ledger is unchanged and readable
    [message] = dead.messages
    assert headers_of(message)["reason"] == b"processing_error"
    assert gatekeeping.cases[CASE] == stored


def business_date(worker) -> float | None:
    name = "pathfinder_business_date_timestamp_seconds"
    return worker.registry.get_sample_value(name, {"service": worker.service})


async def test_the_business_date_is_served_once_the_clock_has_one_as_the_ticks_carry_it(
    build, settings, record, monkeypatch
):
    # given a worker on the event clock, owning partition 0, that has taken no event
    gatekeeping = build(build_gatekeeping, settings)
    monkeypatch.setattr(gatekeeping, "owned", lambda topic: {0})
    ticks = record(gatekeeping.ticks)
    record(gatekeeping.case_facts)
    await gatekeeping.send_clock_report(gatekeeping.ticks)
    assert business_date(gatekeeping) is None
    assert {decode_report(value).today for value in ticks.values} == {None}
    # when it takes an event dated 3 February 2025 there and reports its clock
    issued = line(event("ApplicationIssued", issued_on="2025-02-03"))
    async with gatekeeping.gatekeep.test_context() as agent:
        await agent.put(issued, key=CASE, partition=0)
    await gatekeeping.send_clock_report(gatekeeping.ticks)
    # then it serves that date, as its midnight UTC, and its ticks to every partition carry it
    assert business_date(gatekeeping) == dt.datetime(2025, 2, 3, tzinfo=dt.UTC).timestamp()
    latest = ticks.messages[-settings.partitions :]
    assert sorted(message["partition"] for message in latest) == list(range(settings.partitions))
    assert {decode_report(message["value"]).today for message in latest} == {dt.date(2025, 2, 3)}
