"""A refusal as its publisher is told of it: keyed by `source`, identified by source position,
carrying what identifies the message and why, never what it held."""

import datetime as dt

import orjson
import pytest
from jsonschema import Draft7Validator, Draft202012Validator, FormatChecker

from schemas.generate import DRAFT_07, REFUSAL_FILE, SCHEMA_DIR
from services.core.refusals import UNKNOWN_SOURCE_KEY, encode_refusal, refusal
from services.core.validation import Rejection, Validator
from tests.builders import event, line
from tests.corpus.hostile import corpus_lines

AT = dt.datetime(2025, 5, 14, 16, 45, 1, 204000, tzinfo=dt.UTC)
WHERE = ("pathfinder.court-events.v1", 2, 18734)


NOT_JSON = Rejection("malformed", "not valid JSON")


def refused(raw: bytes, rejection: Rejection = NOT_JSON):
    key, notice = refusal(raw, rejection, *WHERE, refused_at=AT)
    return key, orjson.loads(encode_refusal(notice))


def schema_validators():
    return [
        Draft202012Validator(
            orjson.loads((SCHEMA_DIR / REFUSAL_FILE).read_bytes()), format_checker=FormatChecker()
        ),
        Draft7Validator(
            orjson.loads((SCHEMA_DIR / DRAFT_07 / REFUSAL_FILE).read_bytes()),
            format_checker=FormatChecker(),
        ),
    ]


def test_a_refusal_is_keyed_by_source_and_carries_what_identifies_the_message_and_why():
    sent = event("CirFiled", subject="PF-DOR-000123", filed_on="2025-02-30")
    sent["source"] = "cafcass/childfirst"
    rejection = Rejection("invalid_data", "data.filed_on: not a real date in YYYY-MM-DD form")

    key, value = refused(line(sent), rejection)

    assert key == b"cafcass/childfirst"
    assert value == {
        "id": "pathfinder.court-events.v1/2/18734",
        "ce_id": sent["id"],
        "ce_source": "cafcass/childfirst",
        "ce_type": "CirFiled",
        "reason": "invalid_data",
        "detail": "data.filed_on: not a real date in YYYY-MM-DD form",
        "topic": "pathfinder.court-events.v1",
        "partition": 2,
        "offset": 18734,
        "refused_at": "2025-05-14T16:45:01.204000Z",
    }


def test_a_refusal_holds_no_case_reference_and_no_data_value():
    sent = event("ApplicationIssued", subject="PF-DOR-424242", children=[{"child_id": "KID-9"}])

    _, value = refused(line(sent), Rejection("conflict", "ApplicationIssued: a second one"))

    text = orjson.dumps(value).decode()
    for held in ("PF-DOR-424242", "KID-9", "issued_on", "children", "dorset", "subject"):
        assert held not in text


@pytest.mark.parametrize(
    "raw",
    [
        b"not json",
        b"[1, 2]",
        b'{"id": 7, "type": ["x"]}',
        b'{"source": ""}',
        b'{"source": "' + b"s" * 201 + b'"}',
        b'{"source": "\\ud800"}',  # a lone surrogate: no text to send on
        b"\xff\xfe{}",
        b"[" * 100_000,
    ],
)
def test_a_message_without_a_readable_source_has_the_empty_key_and_null_attributes(raw):
    key, value = refused(raw)

    assert key == UNKNOWN_SOURCE_KEY == b""
    assert value["ce_source"] is None
    assert value["id"] == "pathfinder.court-events.v1/2/18734"


def test_a_source_is_read_after_a_byte_order_mark_and_whatever_else_is_wrong():
    key, value = refused(b'\xef\xbb\xbf{"source": "idva/north-wales", "id": "e-1", "data": 3}')

    assert key == b"idva/north-wales"
    assert (value["ce_id"], value["ce_type"]) == ("e-1", None)


def test_the_same_refused_message_at_the_same_position_is_the_same_refusal():
    raw = line(event("HearingHeld"))
    later = AT + dt.timedelta(hours=1)

    first = refusal(raw, Rejection("missing_prerequisite", "x"), *WHERE, refused_at=AT)
    again = refusal(raw, Rejection("missing_prerequisite", "x"), *WHERE, refused_at=later)

    assert first[0] == again[0] and first[1].id == again[1].id


def test_every_refusal_of_the_hostile_corpus_is_valid_against_the_generated_schema(rules):
    validate, validators = Validator(rules.sites), schema_validators()
    checked = 0
    for raw in corpus_lines():
        rejection = validate(raw)
        if not isinstance(rejection, Rejection):
            continue
        _, value = refused(raw, rejection)
        for validator in validators:
            assert [error.message for error in validator.iter_errors(value)] == [], raw[:80]
        checked += 1
    assert checked > 100
