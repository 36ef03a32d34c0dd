"""The published contract: committed JSON Schema files; the fast validator held to the models."""

import copy

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator, FormatChecker
from pydantic import TypeAdapter, ValidationError

from schemas.catalogue import EVENT_TYPES
from schemas.events import PathfinderEvent
from schemas.generate import SCHEMA_DIR, drifted
from services.core.validation import Event, Validator
from tests.builders import DEFAULT_DATA, event, line

SITES = {"dorset", "birmingham", "west-yorkshire", "north-wales", "south-east-wales"}
fast = Validator(SITES)
contract = TypeAdapter(PathfinderEvent)


def test_committed_schema_files_match_the_models():
    assert drifted() == [], "run: python -m schemas.generate"


def schema_for(event_type: str) -> Draft202012Validator:
    schema = orjson.loads((SCHEMA_DIR / f"{event_type}.schema.json").read_bytes())
    return Draft202012Validator(schema, format_checker=FormatChecker())


@pytest.mark.parametrize("event_type", EVENT_TYPES)
def test_a_publisher_can_validate_each_event_type_with_its_schema_file_alone(event_type):
    validator = schema_for(event_type)
    assert list(validator.iter_errors(event(event_type))) == []
    broken = event(event_type)
    date_field = next(name for name in DEFAULT_DATA[event_type] if name.endswith("_on"))
    broken["data"][date_field] = "2024-02-30"
    assert list(validator.iter_errors(broken)) != []
    assert list(validator.iter_errors({**event(event_type), "time": "2024-06-03T10:15"})) != []
    assert list(validator.iter_errors({**event(event_type), "data": {}})) != []


def test_the_envelope_schema_accepts_every_type_and_rejects_an_unknown_one():
    schema = orjson.loads((SCHEMA_DIR / "envelope.schema.json").read_bytes())
    validator = Draft202012Validator(schema, format_checker=FormatChecker())
    assert all(not list(validator.iter_errors(event(name))) for name in EVENT_TYPES)
    assert list(validator.iter_errors({**event("CirFiled"), "type": "CirFilled"})) != []


TRICKY_VALUES = st.sampled_from(
    [None, True, False, 0, 1, 2, -1, 1.0, "", "x", "1.0", "dorset", "Dorset", "cafcass",
     "local_authority", "final_order", "decision", "2024-06-03", "2024-02-30", "2024-6-3",
     "20240603", "1999-12-31", "2100-01-01", "2024-06-03T10:15:00Z", "2024-06-03T10:15:00",
     "2024-06-03T10:15:00Z\n",
     "2024-06-03 10:15:00+01:00", "2024-06-03t10:15:00z", "2024-06-03T24:00:00Z",
     "2024-06-03T10:15:00.123456789-05:30", "2024-06-03T10:15:00+24:00", "x" * 201, "x" * 600,
     [], [{"child_id": "C1"}], [{"child_id": "C1"}, {"child_id": "C1"}], [{"child_id": 1}],
     [{}], {}, {"child_id": "C1"}, "CirFiled", "CirFilled", "application/json", "text/plain"]
)  # fmt: skip
ENVELOPE_KEYS = ["specversion", "id", "source", "type", "subject", "time", "site",
                 "schemaversion", "datacontenttype", "data"]  # fmt: skip


@st.composite
def mutated_events(draw):
    event_type = draw(st.sampled_from(EVENT_TYPES))
    obj = copy.deepcopy(event(event_type))
    data_keys = [*DEFAULT_DATA[event_type], "cir_author", "idva_referral", "reason", "other"]
    for _ in range(draw(st.integers(0, 3))):
        in_data = draw(st.booleans())
        target = obj["data"] if in_data and isinstance(obj.get("data"), dict) else obj
        key = draw(st.sampled_from(data_keys if target is not obj else ENVELOPE_KEYS))
        if draw(st.booleans()):
            target.pop(key, None)
        else:
            target[key] = copy.deepcopy(draw(TRICKY_VALUES))
    return orjson.dumps(obj)


@settings(max_examples=3000, suppress_health_check=[HealthCheck.too_slow])
@given(mutated_events())
def test_the_fast_validator_accepts_exactly_what_the_contract_models_accept(raw):
    verdict = fast(raw)
    try:
        contract.validate_json(raw)
        models_accept = True
    except ValidationError:
        models_accept = False
    if not isinstance(verdict, Event) and verdict.reason == "unknown_site":
        assert orjson.loads(raw)["site"] not in SITES  # the registry is not in the models
        return
    assert isinstance(verdict, Event) == models_accept, verdict


def test_the_fast_validator_and_the_models_agree_on_every_default_event():
    for event_type in EVENT_TYPES:
        raw = line(event(event_type))
        assert isinstance(fast(raw), Event)
        contract.validate_json(raw)
