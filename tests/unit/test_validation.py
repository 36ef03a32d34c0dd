"""Intake validation: each rejection reason, the order of the checks, and what a detail says."""

import datetime as dt

import orjson
import pytest
from pydantic import TypeAdapter, ValidationError

from schemas.events import PathfinderEvent
from services.core.lines import MAX_NESTING_DEPTH, UTF8_BOM
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
    assert result.detail == "data.recommendation: required field missing"


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


def detail(raw: bytes) -> str:
    result = validate(raw)
    assert isinstance(result, Rejection), f"expected a rejection, got {result}"
    return result.detail


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (
            line(event("CirFiled", recommendation="abc")),
            "data.recommendation: not one of the allowed values",
        ),
        (line(event("CirFiled", extra_field=1)), "data: unexpected field `extra_field`"),
        (line(event("CirFiled", **{"Jane Doe": 1})), "data: an unexpected field"),
        (
            line(event("CirFiled", filed_on=20240603)),
            "data.filed_on: expected a date, not an integer",
        ),
        (
            line(event("CirFiled", filed_on="2024-02-30")),
            "data.filed_on: not a real date in YYYY-MM-DD form",
        ),
        (
            line(event("CirFiled", filed_on="2100-01-01")),
            "data.filed_on: outside 2000-01-01..2099-12-31",
        ),
        (line(event("ApplicationIssued", children=[])), "data.children: must not be empty"),
        (
            line(event("ApplicationIssued", children=[{"child_id": "C1", "name": "x"}])),
            "data.children[0]: unexpected field `name`",
        ),
        (
            line(event("CirDueDateExtended", reason="x" * 501)),
            "data.reason: longer than 500 characters",
        ),
        (line(event("CirFiled", site="xyz")), "site: not in the registry"),
        (line({**event("CirFiled"), "type": "Foo"}), "type: not in the catalogue"),
        (line({**event("CirFiled"), "id": ""}), "id: must not be empty"),
        (line({**event("CirFiled"), "subject": "x" * 201}), "subject: longer than 200 characters"),
        (line({**event("CirFiled"), "source": 7}), "source: expected a string, not an integer"),
        (line(without(event("CirFiled"), "id")), "id: required field missing"),
        (line({**event("CirFiled"), "data": []}), "data: expected an object, not an array"),
        (
            line({**event("CirFiled"), "time": "yesterday"}),
            "time: not an RFC 3339 timestamp with an offset",
        ),
        (line({**event("CirFiled"), "specversion": "0.3"}), "specversion: must be 1.0"),
    ],
)
def test_a_detail_names_the_field_and_the_rule_it_broke(raw, expected):
    assert detail(raw) == expected


def test_a_leading_byte_order_mark_is_not_part_of_the_message():
    result = validate(UTF8_BOM + line(event("ApplicationIssued")))
    assert isinstance(result, Event)
    assert reason(UTF8_BOM + b"not json") == "malformed"


def nested(depth: int) -> bytes:
    """A valid event with an extension attribute that takes the line to `depth` levels."""
    inner = depth - 1  # the event object itself is the first level
    return line(event("CirFiled"))[:-1] + b',"ext":' + b'{"a":' * inner + b"1" + b"}" * inner + b"}"


@pytest.mark.parametrize(
    "raw", [b"[" * 100_000, b'{"a":' * 100_000, b"[" * 100_000 + b"]" * 100_000]
)
def test_a_line_nested_past_the_stack_is_malformed_and_says_so(raw):
    assert detail(raw) == f"nested more than {MAX_NESTING_DEPTH} levels deep"
    assert reason(raw) == "malformed"


def test_the_depth_limit_is_the_contract_models_own():
    models = TypeAdapter(PathfinderEvent)
    at_limit, past_it = nested(MAX_NESTING_DEPTH), nested(MAX_NESTING_DEPTH + 1)
    assert isinstance(validate(at_limit), Event)
    models.validate_json(at_limit)
    assert detail(past_it) == f"nested more than {MAX_NESTING_DEPTH} levels deep"
    with pytest.raises(ValidationError):
        models.validate_json(past_it)


def test_brackets_inside_strings_do_not_count_as_nesting():
    raw = line(event("CirDueDateExtended", reason="[{" * 250))
    assert isinstance(validate(raw), Event)


@pytest.mark.parametrize(
    "extension",
    [b'"\xff"', b'"\xed\xa0\x80"', b'"\xc0\xaf"'],  # invalid, a raw surrogate, overlong
    ids=["invalid", "surrogate", "overlong"],
)
def test_invalid_utf8_anywhere_is_malformed_even_where_it_would_be_ignored(extension):
    raw = line(event("CirFiled"))[:-1] + b',"ext":' + extension + b"}"
    assert (reason(raw), detail(raw)) == ("malformed", "not valid UTF-8")


def test_an_escaped_lone_surrogate_is_malformed():
    raw = line({**event("CirFiled"), "subject": "PF-1"}).replace(b"PF-1", b"PF-\\ud800")
    assert reason(raw) == "malformed"


@pytest.mark.parametrize(
    ("number", "kind"),
    [(b"1e400", "a number"), (b"-1e400", "a number"), (b"0." + b"1" * 400, "a number"),
     (b"1" + b"0" * 40, "an integer")],
)  # fmt: skip
def test_a_huge_number_where_a_value_belongs_is_refused_by_that_field(number, kind):
    raw = line(event("CirFiled")).replace(b'"2024-07-24"', number)
    assert detail(raw) == f"data.filed_on: expected a date, not {kind}"


def test_a_huge_number_in_an_extension_attribute_is_ignored_as_the_models_do():
    raw = line(event("CirFiled"))[:-1] + b',"ext":1e400}'
    assert isinstance(validate(raw), Event)
    TypeAdapter(PathfinderEvent).validate_json(raw)


def test_a_number_of_more_digits_than_can_be_read_is_malformed():
    raw = line(event("CirFiled"))[:-1] + b',"ext":' + b"9" * 5000 + b"}"
    assert (reason(raw), detail(raw)) == ("malformed", "a number with too many digits")


@pytest.mark.parametrize("constant", [b"NaN", b"Infinity", b"-Infinity"])
def test_nan_and_infinity_are_not_json(constant):
    raw = line(event("CirFiled"))[:-1] + b',"ext":' + constant + b"}"
    assert (reason(raw), detail(raw)) == ("malformed", "not valid JSON")


def test_a_repeated_key_takes_its_last_value_as_json_decoding_and_the_models_do():
    valid, invalid = b'"filed_on":"2024-07-24"', b'"filed_on":["x"]'
    first_invalid = line(event("CirFiled")).replace(valid, invalid + b"," + valid)
    last_invalid = line(event("CirFiled")).replace(valid, valid + b"," + invalid)
    assert isinstance(validate(first_invalid), Event)
    assert detail(last_invalid) == "data.filed_on: expected a date, not an array"
    repeated_subject = line(event("CirFiled"))[:-1] + b',"subject":"PF-LAST"}'
    assert validate(repeated_subject).subject == "PF-LAST"


def test_a_valid_event_in_plain_and_careful_decoding_is_the_same_event():
    plain = line(event("ApplicationIssued", subject="PF-1"))
    careful = line(event("ApplicationIssued", subject="PF-\u00e9"))  # not ASCII: step by step
    assert validate(careful).subject == "PF-\u00e9"
    assert validate(careful).data == validate(plain).data
    long_line = line({**event("ApplicationIssued"), "ext": "x" * 5000})
    assert isinstance(validate(long_line), Event)


MARKER = "Zq7Marker"
MARKED_KEY = f"{MARKER} key"  # not an identifier, so a detail may not name it


def marked_lines() -> list[bytes]:
    """Bad lines with the marker in every field a sender writes, one field spoiled at a time."""
    lines = []
    for event_type in ("ApplicationIssued", "ChildSeen", "CirFiled", "GatekeepingDecisionMade",
                       "CirDueDateExtended", "HearingHeld"):  # fmt: skip
        good = event(event_type)
        for field in [*good, *(f"data.{name}" for name in good["data"])]:
            for value in (MARKER, [MARKER], {MARKED_KEY: MARKER}, MARKER * 40):
                obj = orjson.loads(line(good))
                target = obj["data"] if field.startswith("data.") else obj
                target[field.removeprefix("data.")] = value
                lines.append(line(obj))
        lines.append(line({**good, "data": {**good["data"], MARKED_KEY: MARKER}}))
        lines.append(line({**good, "type": MARKER}))
        lines.append(line({**good, "site": MARKER}))
        lines.append(line({**good, "data": {**good["data"], "child_id": MARKER}}))
    lines += [f'{{"{MARKED_KEY}": '.encode() * 300, MARKER.encode(), f'["{MARKER}"]'.encode()]
    return lines


def test_no_detail_repeats_a_value_sent(fold):
    # given bad lines carrying the marker in every field, and events that conflict or wait
    lines = marked_lines()
    issued = event("ApplicationIssued", subject=f"PF-{MARKER}")
    lines += [
        line(issued),
        line(event("CirFiled", subject=f"PF-{MARKER}-none")),  # never gets its prerequisites
        line(event("ChildSeen", subject=f"PF-{MARKER}", child_id=f"C-{MARKER}")),
        line(event("HearingHeld", subject=f"PF-{MARKER}", site="north-wales")),
        line({**issued, "id": f"evt-{MARKER}"}),
    ]
    # when they are validated and folded
    refusals = [refusal for number, raw in enumerate(lines) for refusal in fold.ingest(raw, number)]
    refusals += fold.finish()
    # then they are refused for every reason, and no detail carries the marker
    reasons = {refusal.rejection.reason for refusal in refusals}
    assert reasons == {"malformed", "envelope", "unknown_type", "unknown_site", "invalid_data",
                       "conflict", "missing_prerequisite"}  # fmt: skip
    assert len(refusals) > 250
    leaks = [refusal.rejection.detail for refusal in refusals if MARKER in refusal.rejection.detail]
    assert leaks == []
