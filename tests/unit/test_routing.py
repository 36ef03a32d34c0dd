"""Routing a raw line to a replay worker: by its case reference, however the JSON is written."""

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from schemas.catalogue import MAX_REFERENCE_LENGTH
from services.core.routing import MAX_KEY_BYTES, case_key, shard_of
from tests.builders import event, line

subjects = st.text(min_size=1, max_size=30).filter(lambda text: "\x00" not in text)


@given(subjects, st.booleans(), st.booleans(), st.sampled_from([None, 0, 2]))
def test_the_key_is_the_decoded_subject_however_the_json_is_written(
    subject, ascii_only, sort_keys, indent
):
    obj = event("CirFiled", subject=subject)
    raw = json.dumps(obj, ensure_ascii=ascii_only, sort_keys=sort_keys, indent=indent).encode()
    assert case_key(raw) == subject.encode()


def test_a_later_duplicate_subject_key_wins_as_in_json_decoding():
    raw = b'{"subject":"PF-1","type":"CirFiled","subject":"PF-2"}'
    assert case_key(raw) == b"PF-2"


def test_a_subject_that_is_only_a_value_is_not_taken_for_the_key():
    assert case_key(b'{"source":"subject","subject":"PF-9"}') == b"PF-9"
    assert case_key(b'{"source":"subject"}') == b""


def test_lines_without_a_subject_all_go_to_the_first_route():
    for raw in (b"not json", b"[1]", b'{"subject": 7}', b"{}"):
        assert case_key(raw) == b""
    assert len({shard_of(raw, 4) for raw in (b"not json", b"[1]", b"{}")}) == 1


def test_every_event_of_a_case_goes_to_the_same_shard():
    lines = [json.dumps(event(name, subject="PF-DOR-000042")).encode() for name in ("CirFiled",
             "ApplicationIssued", "HearingHeld")]  # fmt: skip
    assert len({shard_of(raw, 3) for raw in lines}) == 1


def test_a_leading_byte_order_mark_routes_as_the_line_without_it():
    raw = json.dumps(event("CirFiled", subject="PF-7")).encode()
    assert case_key(b"\xef\xbb\xbf" + raw) == case_key(raw) == b"PF-7"
    escaped = b'\xef\xbb\xbf{"subject":"PF-\\u0037"}'
    assert case_key(escaped) == b"PF-7"


def test_no_other_value_stops_an_escaped_subject_being_read():
    # given a subject that must be decoded, beside values a plain JSON decoding cannot hold
    raw = b'{"subject":"PF-\\u00e9","big":1e400,"long":' + b"9" * 5000 + b',"deep":[[[]]]}'
    # then the subject is read all the same
    assert case_key(raw) == "PF-é".encode()


@pytest.mark.parametrize(
    "raw",
    [b"[" * 100_000, b'{"a":' * 100_000, b'{"subject":"\\ud800"}', b'{"subject":' + b"[" * 50_000,
     b'{"subject":"a\\"b","x":' + b"{" * 50_000, b"\xff\xfe{\x00}\x00", b'{"subject":NaN}'],
)  # fmt: skip
def test_a_line_that_cannot_be_read_routes_to_the_empty_key_without_raising(raw):
    assert case_key(raw) == b""


def test_a_subject_longer_than_any_reference_is_no_key():
    # given a subject at the longest a reference can be, and one past it
    longest = "é" * MAX_REFERENCE_LENGTH
    too_long = "x" * (MAX_KEY_BYTES + 1)
    # then the first routes by itself and the second, refused anyway, by no key
    assert case_key(line(event("HearingHeld", subject=longest))) == longest.encode()
    assert case_key(line(event("HearingHeld", subject=too_long))) == b""
