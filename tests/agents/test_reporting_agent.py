"""The reporting worker: newest facts per case, dead letters counted once, owned partitions only."""

import datetime as dt
from typing import NamedTuple

import msgspec
import pytest
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.parser import text_string_to_metric_families

from services.bootstrap import build_reporting
from services.core.case import CaseState
from services.core.derived import CaseFacts
from services.core.rules import cir_due_date
from services.reporting.collector import PilotCollector
from services.reporting.stored import decode_stored_facts, store_facts
from services.streaming.clock import ClockReport, PartitionMark, encode_report
from services.streaming.ticks import TICK_HEADER

CASE = b"PF-DOR-000001"


class _TP(NamedTuple):
    topic: str
    partition: int


def facts(version: int, subject: bytes = CASE) -> bytes:
    state = CaseState(version=version, site="dorset", issued_on=dt.date(2025, 1, 6))
    return msgspec.json.encode(CaseFacts(subject=subject.decode(), version=version, state=state))


def dead_letter_headers(offset: int, reason: bytes = b"malformed") -> dict[str, bytes]:
    return {
        "reason": reason, "detail": b"not valid JSON", "worker": b"intake",
        "source-topic": b"pathfinder.court-events.v1", "source-partition": b"0",
        "source-offset": str(offset).encode(),
    }  # fmt: skip


def samples(reporting) -> dict[tuple[str, tuple], float]:
    text = generate_latest(reporting.registry).decode()
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


@pytest.fixture
def reporting(build, settings):
    return build(build_reporting, settings)


async def test_an_older_or_repeated_version_changes_nothing(reporting):
    async with reporting.project.test_context() as agent:
        for version in (1, 3, 2, 3):
            await agent.put(facts(version), key=CASE)
    assert decode_stored_facts(reporting.facts[CASE]).facts.version == 3


async def test_a_dead_letter_sent_twice_is_counted_once(reporting, monkeypatch):
    monkeypatch.setattr(reporting, "owned", lambda topic: {0, 1, 2, 3})
    async with reporting.count_dead_letters.test_context() as agent:
        for offset in (7, 7, 8):
            await agent.put(b"x", key=b"", headers=dead_letter_headers(offset))
        await agent.put(b"y", key=b"", headers=dead_letter_headers(9, b"conflict"))
    counted = samples(reporting)
    assert counted[("pathfinder_dead_lettered_total", (("reason", "malformed"),))] == 2
    assert counted[("pathfinder_dead_lettered_total", (("reason", "conflict"),))] == 1


async def test_only_the_cases_of_owned_partitions_are_served(reporting, monkeypatch):
    # given facts of two cases on partitions 0 and 1, and the clock heard from gatekeeping
    owned = {0, 1}
    monkeypatch.setattr(reporting, "owned", lambda topic: owned)
    gatekeeping_clock = ClockReport(
        worker="gatekeeping@elsewhere", today=dt.date(2025, 2, 3),
        marks={0: PartitionMark(dt.date(2025, 2, 3), idle=False)},
    )  # fmt: skip
    async with reporting.follow_clock.test_context() as agent:
        await agent.put(encode_report(gatekeeping_clock), key=b"", headers={TICK_HEADER: b"1"})
    assert reporting.clock.today() == dt.date(2025, 2, 3)
    served = samples(reporting)[
        ("pathfinder_business_date_timestamp_seconds", (("service", "reporting"),))
    ]
    assert served == dt.datetime(2025, 2, 3, tzinfo=dt.UTC).timestamp()
    async with reporting.project.test_context() as agent:
        await agent.put(facts(1, b"PF-DOR-000001"), key=b"PF-DOR-000001", partition=0)
        await agent.put(facts(1, b"PF-DOR-000002"), key=b"PF-DOR-000002", partition=1)
    assert _applications(reporting) == 2
    # when partition 1 moves to another worker, this one stops serving its case
    owned.discard(1)
    assert _applications(reporting) == 1


def _applications(reporting) -> float:
    return samples(reporting)[("pathfinder_applications_total", (("site", "all"),))]


def full_projection(reporting, owned) -> dict[tuple[str, tuple], float]:
    """What the full-recompute collector serves from the same table, as of the same date."""
    states = [
        stored.facts.state
        for stored in map(decode_stored_facts, reporting.facts.values())
        if stored.partition in owned
    ]
    registry = CollectorRegistry()
    registry.register(
        PilotCollector(lambda: states, reporting.rules.sites, reporting.clock.today,
                       reporting.rules.calendar)
    )  # fmt: skip
    return _parsed(generate_latest(registry).decode())


NOT_PILOT = (
    "pathfinder_dead_letter",
    "pathfinder_processing_errors",
    "pathfinder_events_processed",
    "pathfinder_kafka_",
    "pathfinder_business_date",
)


def _parsed(text: str) -> dict[tuple[str, tuple], float]:
    """The pilot's samples of a /metrics body."""
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if not sample.name.startswith(NOT_PILOT)
    }


async def hear(reporting, today: dt.date) -> None:
    """Gatekeeping's clock report of `today`, as the reporting worker hears it."""
    report = ClockReport(
        worker="gatekeeping@elsewhere", today=today, marks={0: PartitionMark(today, idle=False)}
    )
    async with reporting.follow_clock.test_context() as agent:
        await agent.put(encode_report(report), key=b"", headers={TICK_HEADER: b"1"})


def decided_case(rules, subject: bytes, version: int, decided_on: dt.date, **more) -> bytes:
    state = CaseState(version=version, site="dorset", issued_on=dt.date(2025, 1, 6),
                      children=("C1",), ordered_on=decided_on, author_at_order="cafcass",
                      author="cafcass", due_original=cir_due_date(decided_on, rules.calendar),
                      **more)  # fmt: skip
    return msgspec.json.encode(CaseFacts(subject=subject.decode(), version=version, state=state))


async def test_the_kept_figures_follow_newer_facts_the_date_and_revocations(reporting, monkeypatch):
    # given facts of cases on three partitions, one case's newer facts filing its CIR
    owned = {0, 1, 2}
    monkeypatch.setattr(reporting, "owned", lambda topic: owned)
    rules = reporting.rules
    await hear(reporting, dt.date(2025, 2, 3))
    async with reporting.project.test_context() as agent:
        for number, partition in ((1, 0), (2, 1), (3, 2)):
            subject = f"PF-DOR-00000{number}".encode()
            value = decided_case(rules, subject, 2, dt.date(2025, 1, 20))
            await agent.put(value, key=subject, partition=partition)
    assert _parsed(generate_latest(reporting.registry).decode()) == full_projection(
        reporting, owned
    )
    async with reporting.project.test_context() as agent:
        filed = decided_case(rules, b"PF-DOR-000002", 3, dt.date(2025, 1, 20),
                             filed_on=dt.date(2025, 3, 3), working_days_to_file=30)  # fmt: skip
        await agent.put(filed, key=b"PF-DOR-000002", partition=1)
        stale = decided_case(rules, b"PF-DOR-000003", 1, dt.date(2025, 1, 2))
        await agent.put(stale, key=b"PF-DOR-000003", partition=2)
    # when the date moves past the due dates and the filing, and partition 2 is revoked
    for today in (dt.date(2025, 3, 10), dt.date(2025, 3, 20), dt.date(2026, 2, 1)):
        await hear(reporting, today)
        assert reporting.clock.today() == today
        # then the served figures are those the full projection computes, each time
        served = _parsed(generate_latest(reporting.registry).decode())
        assert served == full_projection(reporting, owned)
    owned.discard(2)
    await reporting._on_partitions_revoked(None, {_TP("pathfinder.case-facts.v1", 2)})
    assert 2 not in reporting.standing.partitions
    served = _parsed(generate_latest(reporting.registry).decode())
    assert served == full_projection(reporting, owned)
    assert served[("pathfinder_applications_total", (("site", "all"),))] == 2


async def test_after_a_recovery_the_figures_are_built_from_the_table(reporting, monkeypatch):
    # given a table recovered with facts of two partitions, one of them owned
    monkeypatch.setattr(reporting, "owned", lambda topic: {0})
    await hear(reporting, dt.date(2025, 3, 3))
    rules = reporting.rules
    for number, partition in ((1, 0), (2, 0), (3, 1)):
        subject = f"PF-DOR-00000{number}".encode()
        value = decided_case(rules, subject, 1, dt.date(2025, 1, 20))
        reporting.facts.data[subject] = store_facts(partition, value)
    # when the table's recovery completes
    await reporting._rebuild()
    # then the owned partition's figures are served, and only them
    served = _parsed(generate_latest(reporting.registry).decode())
    assert served == full_projection(reporting, {0})
    assert served[("pathfinder_cir_ordered_total", (("site", "dorset"),))] == 2


async def test_while_a_partition_is_built_no_pilot_figure_is_served(reporting, monkeypatch):
    monkeypatch.setattr(reporting, "owned", lambda topic: {0})
    await hear(reporting, dt.date(2025, 3, 3))
    reporting._building = 1
    names = set(_parsed(generate_latest(reporting.registry).decode()))
    assert not any(name.startswith("pathfinder_applications") for name, _ in names)
    assert reporting.cases_endpoint.answer(None, None).partitions == []
