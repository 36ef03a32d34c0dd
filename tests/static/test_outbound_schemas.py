"""What gatekeeping really sends on case-facts and derived-events matches the committed schemas
(schemas/json/facts/, schemas/json/derived/ and their draft-07 twins), and the draft-07 twins
of the inbound schemas refuse what the 2020-12 ones refuse.

Gatekeeping is built by the composition root and driven through faust's test_context over
cases that raise every kind of derived event; its sends are recorded, not produced.
"""

import asyncio
import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import msgspec
import orjson
import pytest
from jsonschema import Draft7Validator, Draft202012Validator, FormatChecker

from schemas.catalogue import EVENT_TYPES
from schemas.generate import CASE_FACTS_FILE, DRAFT_07, SCHEMA_DIR, derived_file
from schemas.outbound import DERIVED_KINDS
from services.bootstrap import build_gatekeeping
from services.config import Settings
from services.streaming.clock import ClockReport
from services.streaming.ticks import TICK_HEADER
from tests.builders import event, line

Validators = list[Draft7Validator | Draft202012Validator]


def validators(path: str) -> Validators:
    """The 2020-12 schema file at `path` under schemas/json/ and its draft-07 twin."""
    latest = orjson.loads((SCHEMA_DIR / path).read_bytes())
    draft07 = orjson.loads((SCHEMA_DIR / DRAFT_07 / path).read_bytes())
    return [
        Draft202012Validator(latest, format_checker=FormatChecker()),
        Draft7Validator(draft07, format_checker=FormatChecker()),
    ]


def errors(checks: Validators, message: Any) -> list[str]:
    return [error.message for check in checks for error in check.iter_errors(message)]


class Recorded:
    """Stands in for a topic's `send`: keeps each value and acknowledges it at once."""

    def __init__(self) -> None:
        self.values: list[bytes] = []

    async def send(self, **message: Any) -> "asyncio.Future[None]":
        self.values.append(message["value"])
        delivered: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        delivered.set_result(None)
        return delivered


A, B = "PF-DOR-000123", "PF-DOR-000124"
# (case, event type, data): case A runs through every stage; B is declined by the IDVA service
# and withdrawn. A None type is a tick of the worker's clock on that date.
STORY: list[tuple[str, str | None, dict[str, Any]]] = [
    (A, "ApplicationIssued", {"issued_on": "2025-03-03", "harm_alleged": True}),
    (A, "SafeguardingChecksCompleted", {"completed_on": "2025-03-04",
                                        "domestic_abuse_indicated": True}),
    (A, "GatekeepingDecisionMade", {"decided_on": "2025-03-05"}),
    (A, "IdvaReferralAccepted", {"accepted_on": "2025-03-10"}),
    (A, "ChildSeen", {"child_id": "C1", "seen_on": "2025-03-17"}),
    (A, "CirTransferred", {"transferred_on": "2025-03-20"}),
    (A, None, {"today": "2025-04-25"}),  # due 2025-05-02: due soon
    (A, "CirDueDateExtended", {"extended_on": "2025-04-25", "new_due_on": "2025-05-16"}),
    (A, None, {"today": "2025-05-19"}),  # past the new due date: overdue
    (A, "HearingHeld", {"held_on": "2025-05-20"}),
    (A, "CirFiled", {"filed_on": "2025-05-21"}),
    (A, "FinalOrderMade", {"made_on": "2025-06-02"}),
    (A, "ReviewCompleted", {"completed_on": "2025-12-01"}),
    (B, "ApplicationIssued", {"issued_on": "2025-03-03"}),
    (B, "GatekeepingDecisionMade", {"decided_on": "2025-03-05", "cir_author": "cafcass",
                                    "idva_referral": True}),
    (B, "IdvaReferralDeclined", {"declined_on": "2025-03-07"}),
    (B, "ApplicationWithdrawn", {"withdrawn_on": "2025-03-12"}),
]  # fmt: skip


@pytest.fixture(scope="module")
def sent(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[bytes]]:
    """What gatekeeping sent, by topic, for the story."""
    settings = Settings(
        data_dir=tmp_path_factory.mktemp("gatekeeping"), clock="event", sites_file=None
    )
    return asyncio.run(_run(settings))


async def _run(settings: Settings) -> dict[str, list[bytes]]:
    gatekeeping = build_gatekeeping(settings)
    gatekeeping.app.finalize()
    gatekeeping.app.flow_control.resume()
    facts, derived = Recorded(), Recorded()
    gatekeeping.case_facts.send = facts.send
    gatekeeping.derived.send = derived.send
    async with gatekeeping.gatekeep.test_context() as agent:
        for case, event_type, data in STORY:
            if event_type is None:
                report = ClockReport(
                    worker=gatekeeping.clock.worker, today=dt.date.fromisoformat(data["today"])
                )
                tick = msgspec.json.encode(report)
                await agent.put(tick, key=b"", headers={TICK_HEADER: b"1"}, partition=0)
            else:
                raw = line(event(event_type, subject=case, **data))
                await agent.put(raw, key=case.encode(), partition=0)
    return {"case-facts": facts.values, "derived-events": derived.values}


def test_every_kind_of_derived_event_was_sent(sent):
    kinds = [orjson.loads(value)["type"] for value in sent["derived-events"]]
    assert set(kinds) == set(DERIVED_KINDS)


def test_each_derived_event_sent_matches_its_schema_field_for_field(sent):
    checks = {kind: validators(derived_file(kind)) for kind in DERIVED_KINDS}
    for value in sent["derived-events"]:
        message = orjson.loads(value)
        assert errors(checks[message["type"]], message) == [], message["type"]
        schema = orjson.loads((SCHEMA_DIR / derived_file(message["type"])).read_bytes())
        assert set(message) == set(schema["properties"]), "no field goes out undocumented"


def test_each_case_facts_message_sent_matches_its_schema_field_for_field(sent):
    checks = validators(CASE_FACTS_FILE)
    schema = orjson.loads((SCHEMA_DIR / CASE_FACTS_FILE).read_bytes())
    state = schema["$defs"]["CaseState"]
    assert len(sent["case-facts"]) == len([step for step in STORY if step[1] is not None])
    for value in sent["case-facts"]:
        facts = orjson.loads(value)
        assert errors(checks, facts) == []
        assert set(facts) == set(schema["properties"])
        assert set(facts["state"]) == set(state["properties"])
    final = orjson.loads(sent["case-facts"][-1])["state"]
    assert final["outcome"] == "withdrawn" and final["idva_response"] == "declined"


def test_schemas_refuse_what_the_code_could_not_have_sent(sent):
    checks = validators(derived_file("CirOrdered"))
    ordered = next(
        orjson.loads(value) for value in sent["derived-events"] if b"CirOrdered" in value
    )
    for broken in (
        {**ordered, "due_on": "2025-02-30"},
        {**ordered, "author": "someone"},
        {key: value for key, value in ordered.items() if key != "site"},
        {**ordered, "type": "CirOverdue"},
    ):
        assert len(errors(checks, broken)) > 0


@pytest.mark.parametrize("event_type", EVENT_TYPES)
def test_the_draft07_twin_of_an_inbound_schema_judges_as_the_2020_12_one(event_type):
    latest, draft07 = validators(f"{event_type}.schema.json")
    date_field = next(name for name in event(event_type)["data"] if name.endswith("_on"))
    cases: list[Callable[[dict[str, Any]], None]] = [
        lambda e: None,
        lambda e: e["data"].update({date_field: "2024-02-30"}),
        lambda e: e.update({"time": "2024-06-03T10:15"}),
        lambda e: e.update({"data": {}}),
        lambda e: e["data"].update({"unexpected": 1}),
        lambda e: e.update({"type": "CirFilled"}),
        lambda e: e.pop("subject"),
    ]
    for number, spoil in enumerate(cases):
        obj = event(event_type)
        spoil(obj)
        verdicts = [not list(check.iter_errors(obj)) for check in (latest, draft07)]
        assert verdicts == [number == 0] * 2, (number, verdicts)


def test_every_generated_schema_file_has_its_draft07_twin():
    paths = {path.relative_to(SCHEMA_DIR).as_posix() for path in SCHEMA_DIR.rglob("*.json")}
    latest = {path for path in paths if not path.startswith(DRAFT_07)}
    assert {DRAFT_07 + path for path in latest} == paths - latest
    for path in latest:
        assert Path(SCHEMA_DIR / DRAFT_07 / path).is_file()
