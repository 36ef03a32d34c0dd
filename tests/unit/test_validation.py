"""Intake validation: each rejection reason, and the order in which the checks run."""

import datetime as dt

import pytest

from services.core.validation import Event, Rejection, Validator
from tests.builders import event, line

validate = Validator({"dorset", "north-wales"})


def reason(raw: bytes) -> str:
    result = validate(raw)
    assert isinstance(result, Rejection), f"expected a rejection, got {result}"
    return result.reason


def without(obj: dict, key: str) -> dict:
    return {name: value for name, value in obj.items() if name != key}


def test_a_valid_event_is_accepted_with_parsed_dates_and_defaults():
    result = validate(line(event("ApplicationIssued")))
    assert isinstance(result, Event)
    assert result.on == dt.date(2024, 6, 3)
    assert [child.child_id for child in result.data.children] == ["C1", "C2"]
    assert result.data.without_notice is False


@pytest.mark.parametrize(
    "raw",
    [b"", b"not json", b"{", b'{"a":1} trailing', b"[1, 2]", b'"text"', b"42", b"\xff\xfe"],
)
def test_bytes_that_are_not_a_json_object_are_malformed(raw):
    assert reason(raw) == "malformed"


@pytest.mark.parametrize("attribute", ["specversion", "id", "source", "type", "subject", "time"])
def test_a_missing_required_attribute_is_an_envelope_error(attribute):
    assert reason(line(without(event("CirFiled"), attribute))) == "envelope"


@pytest.mark.parametrize(
    ("attribute", "value"),
    [
        ("specversion", "0.3"),
        ("specversion", 1.0),
        ("id", ""),
        ("id", 17),
        ("subject", None),
        ("time", "2024-06-03T10:15:00"),  # no offset
        ("time", "2024-06-03"),
        ("time", "2024-02-30T10:15:00Z"),  # impossible date
        ("time", "2024-06-03T25:15:00Z"),
        ("time", "03/06/2024 10:15"),
        ("schemaversion", 2),
        ("schemaversion", True),
        ("datacontenttype", "text/plain"),
        ("data", "not an object"),
        ("data", None),
    ],
)
def test_an_invalid_attribute_is_an_envelope_error(attribute, value):
    assert reason(line({**event("CirFiled"), attribute: value})) == "envelope"


def test_missing_site_and_data_are_envelope_errors():
    assert reason(line(without(event("CirFiled"), "site"))) == "envelope"
    assert reason(line(without(event("CirFiled"), "data"))) == "envelope"


@pytest.mark.parametrize("name", ["CirFilled", "cirfiled", "CIRFILED", "Unknown"])
def test_a_type_outside_the_catalogue_is_unknown(name):
    assert reason(line({**event("CirFiled"), "type": name})) == "unknown_type"


@pytest.mark.parametrize("site", ["Dorset", "DORSET", "birmingham-east", "atlantis"])
def test_a_site_outside_the_registry_is_unknown(site):
    assert reason(line(event("CirFiled", site=site))) == "unknown_site"


@pytest.mark.parametrize(
    ("event_type", "data"),
    [
        ("CirFiled", {"filed_on": "2024-02-30"}),  # impossible date
        ("CirFiled", {"filed_on": "2024-6-3"}),
        ("CirFiled", {"filed_on": "20240603"}),
        ("CirFiled", {"filed_on": "1999-12-31"}),  # before the supported range
        ("CirFiled", {"filed_on": 20240603}),
        ("CirFiled", {"child_voice_included": "yes"}),
        ("CirFiled", {"recommendation": "Final_Order"}),
        ("CirFiled", {"extra_field": 1}),
        ("ApplicationIssued", {"children": []}),
        ("ApplicationIssued", {"children": [{"child_id": "C1"}, {"child_id": "C1"}]}),
        ("ApplicationIssued", {"children": [{"child_id": ""}]}),
        ("ApplicationIssued", {"children": [{"child_id": "C1", "name": "x"}]}),
        ("ApplicationIssued", {"harm_alleged": 1}),
        ("GatekeepingDecisionMade", {"cir_author": "cafcass_wales"}),
        ("GatekeepingDecisionMade", {"idva_referral": "true"}),
        ("CirTransferred", {"to_author": None}),
        ("HearingHeld", {"hearing_type": "final"}),
        ("CirDueDateExtended", {"reason": "x" * 501}),
    ],
)
def test_bad_data_is_invalid_data(event_type, data):
    assert reason(line(event(event_type, **data))) == "invalid_data"


def test_a_missing_data_field_is_invalid_data():
    obj = event("CirFiled")
    del obj["data"]["recommendation"]
    result = validate(line(obj))
    assert result.reason == "invalid_data"
    assert result.detail == "data: Object missing required field `recommendation`"


def test_optional_fields_may_be_null_or_absent():
    result = validate(line(event("GatekeepingDecisionMade", cir_author=None)))
    assert isinstance(result, Event)
    assert (result.data.cir_author, result.data.idva_referral) == (None, None)


def test_unknown_extension_attributes_are_allowed():
    assert isinstance(validate(line({**event("CirFiled"), "traceparent": "00-ab"})), Event)


def test_checks_run_in_order_so_the_first_failure_names_the_reason():
    # given an event wrong in every way after the envelope
    bad = {**event("CirFiled", site="Atlantis", filed_on="nope"), "type": "CirFilled"}
    assert reason(line(bad)) == "unknown_type"
    # an unknown site beats invalid data
    assert reason(line(event("CirFiled", site="Atlantis", filed_on="nope"))) == "unknown_site"
    # an envelope error beats an unknown type
    assert reason(line({**bad, "specversion": "2.0"})) == "envelope"
