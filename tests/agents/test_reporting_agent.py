"""The reporting worker: newest facts per case, dead letters counted once, owned partitions only."""

import datetime as dt

import msgspec
import pytest
from prometheus_client import generate_latest
from prometheus_client.parser import text_string_to_metric_families

from services.bootstrap import build_reporting
from services.core.case import CaseState
from services.core.derived import CaseFacts
from services.reporting.stored import decode_stored_facts
from services.streaming.clock import ClockReport, PartitionMark, encode_report
from services.streaming.ticks import TICK_HEADER

CASE = b"PF-DOR-000001"


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
    async with reporting.project.test_context() as agent:
        await agent.put(facts(1, b"PF-DOR-000001"), key=b"PF-DOR-000001", partition=0)
        await agent.put(facts(1, b"PF-DOR-000002"), key=b"PF-DOR-000002", partition=1)
    assert _applications(reporting) == 2
    # when partition 1 moves to another worker, this one stops serving its case
    owned.discard(1)
    assert _applications(reporting) == 1


def _applications(reporting) -> float:
    return samples(reporting)[("pathfinder_applications_total", (("site", "all"),))]
