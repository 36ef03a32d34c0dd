"""Intake tells publishers what it refused: one refusal per dead letter it sends, keyed by the
message's `source`, with the dead letter's source position as its id; none for what it accepts,
holds or ignores as a duplicate, and none for a message it failed on."""

import orjson
import pytest

from services.bootstrap import build_intake
from services.intake import worker as intake_module
from services.topic_config import topic_config
from tests.agents.conftest import headers_of, tick
from tests.builders import event, line

CASE = b"PF-DOR-000001"
SOURCE = b"hmcts/prl-cos-api"


def origin(offset: int) -> dict[str, bytes]:
    return {"origin": f"pathfinder.court-events.v1/2/{offset}".encode()}


@pytest.fixture
def intake(build, settings):
    return build(build_intake, settings)


def position(dead: dict) -> str:
    headers = headers_of(dead)
    names = ("source-topic", "source-partition", "source-offset")
    return "/".join(headers[name].decode() for name in names)


async def test_each_refusal_beside_its_dead_letter_keyed_by_source(intake, record):
    # given a malformed line, an invalid one, a conflict, and lines that are not refused
    refusals, dead = record(intake.refusals.topic), record(intake.dead_letter_topic)
    record(intake.case_events)
    issued = line(event("ApplicationIssued"))
    invalid = event("CirFiled", filed_on="2025-02-30")
    invalid["source"] = "cafcass/childfirst"
    held = line(event("HearingHeld", subject="PF-DOR-000002"))
    async with intake.admit.test_context() as agent:
        # when intake takes them
        await agent.put(b"not json", key=b"", headers=origin(1))
        await agent.put(line(invalid), key=CASE, headers=origin(2))
        await agent.put(issued, key=CASE, headers=origin(3))
        await agent.put(issued, key=CASE, headers=origin(4))  # a duplicate
        await agent.put(line(event("ApplicationIssued")), key=CASE, headers=origin(5))  # conflict
        await agent.put(held, key=b"PF-DOR-000002", headers=origin(6))
    # then each dead letter has one refusal, at its position, keyed by the message's source
    assert len(dead.messages) == len(refusals.messages) == 3
    for letter, told in zip(dead.messages, refusals.messages, strict=True):
        value = orjson.loads(told["value"])
        assert value["id"] == position(letter)
        assert value["reason"] == headers_of(letter)["reason"].decode()
        assert told["key"] == (value["ce_source"] or "").encode()
        assert "subject" not in value and "data" not in value
    keys = [told["key"] for told in refusals.messages]
    assert keys == [b"", b"cafcass/childfirst", SOURCE]


async def test_a_held_message_refused_at_the_hold_limit_is_told_once_per_position(intake, record):
    # given a message waiting for its prerequisite
    refusals = record(intake.refusals.topic)
    record(intake.dead_letter_topic), record(intake.case_events)
    async with intake.admit.test_context() as agent:
        waiting = line(event("CirFiled", filed_on="2025-03-03"))
        await agent.put(waiting, key=CASE, headers=origin(7))
        # when the clock passes the hold limit
        later = line(event("ApplicationIssued", subject="PF-DOR-000003", issued_on="2025-04-03"))
        await agent.put(later, key=b"PF-DOR-000003", headers=origin(8))
        value, headers = tick(intake)
        await agent.put(value, key=b"", headers=headers)
        await agent.put(value, key=b"", headers=headers)  # a second tick changes nothing
    # then its publisher is told once, at the position it was read
    [told] = refusals.messages
    value = orjson.loads(told["value"])
    assert (value["reason"], value["id"]) == (
        "missing_prerequisite",
        "pathfinder.court-events.v1/2/7",
    )
    assert value["ce_type"] == "CirFiled" and told["key"] == SOURCE


async def test_a_redelivered_refused_message_is_told_again_with_the_same_id(intake, record):
    refusals = record(intake.refusals.topic)
    record(intake.dead_letter_topic)
    async with intake.admit.test_context() as agent:
        await agent.put(b"{}", key=b"", headers=origin(9))
        await agent.put(b"{}", key=b"", headers=origin(9))  # delivered again after a restart
    ids = {orjson.loads(told["value"])["id"] for told in refusals.messages}
    assert ids == {"pathfinder.court-events.v1/2/9"}


async def test_a_message_intake_failed_on_is_no_refusal(intake, record, monkeypatch):
    refusals, dead = record(intake.refusals.topic), record(intake.dead_letter_topic)

    def broken(*args, **kwargs):
        raise ZeroDivisionError

    monkeypatch.setattr(intake_module, "receive", broken)
    async with intake.admit.test_context() as agent:
        await agent.put(line(event("ApplicationIssued")), key=CASE, headers=origin(10))
    [letter] = dead.messages
    assert headers_of(letter)["reason"] == b"processing_error"
    assert refusals.messages == []


async def test_an_oversized_message_is_refused_and_told_without_being_rekeyed(intake, record):
    refusals, by_case = record(intake.refusals.topic), record(intake.by_case)
    record(intake.dead_letter_topic)
    big = b'{"source": "la/dorset", "id": "big-1", "pad": "' + b"x" * 1_100_000 + b'"}'
    async with intake.route.test_context() as agent:
        await agent.put(big, key=b"")
    assert by_case.messages == []
    [told] = refusals.messages
    assert told["key"] == b"la/dorset"
    assert orjson.loads(told["value"])["reason"] == "malformed"


def test_the_internal_hop_is_created_with_its_retention(intake):
    config = intake.by_case.config

    wanted = topic_config(intake.topics, intake.topics.intake_by_case)
    assert config["retention.ms"] == wanted["retention.ms"]
    assert "max.message.bytes" in config
