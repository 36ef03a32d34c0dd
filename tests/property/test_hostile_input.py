"""No input stops validation, routing or the ledger, and every line gets exactly one outcome."""

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from schemas.catalogue import EVENT_TYPES
from services.core.fold import ReplayFold
from services.core.routing import case_key
from services.core.validation import CONFLICT, MISSING_PREREQUISITE, Event, Rejection, Validator
from tests.builders import event

SITES = ["dorset", "birmingham", "north-wales"]
validate = Validator(SITES)
LINE_REASONS = {"malformed", "envelope", "unknown_type", "unknown_site", "invalid_data"}

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False)
    | st.text(max_size=30)
    | st.sampled_from(["2024-06-03", "2024-02-29", "dorset", "CirFiled", "1.0", "final_order"]),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=12,
)


@st.composite
def events(draw) -> dict:
    """A valid event of a few cases and sites; ids drawn from a few, so some repeat."""
    obj = event(
        draw(st.sampled_from(EVENT_TYPES)),
        subject=draw(st.sampled_from(["PF-1", "PF-2", "PF-\u00e9", "PF-\U0001f600"])),
        site=draw(st.sampled_from([*SITES, "atlantis"])),
    )
    return {**obj, "id": f"evt-{draw(st.integers(0, 30))}"}


def dumped(value: object) -> bytes:
    """JSON text of any value, integers of any size included."""
    return json.dumps(value).encode()


@st.composite
def mutated_events(draw) -> bytes:
    """A valid event spoiled at the level of its values, its text or its bytes."""
    obj = draw(events())
    for _ in range(draw(st.integers(0, 2))):
        target = obj["data"] if draw(st.booleans()) and isinstance(obj.get("data"), dict) else obj
        key = draw(st.sampled_from([*target, "ext"])) if target else "ext"
        target[key] = draw(json_values)
    indent = draw(st.sampled_from([None, 1]))
    text = json.dumps(obj, ensure_ascii=draw(st.booleans()), indent=indent)
    raw = text.encode("utf-8", "surrogatepass")  # text may hold a lone surrogate: send it raw
    if draw(st.booleans()):  # a key written twice
        key = draw(st.sampled_from(["subject", "type", "id", "site", "data", "time"]))
        raw = raw[:-1] + f',"{key}":'.encode() + dumped(draw(json_values)) + b"}"
    return draw(spoiled_bytes(raw))


@st.composite
def spoiled_bytes(draw, raw: bytes) -> bytes:
    """The bytes, maybe cut, maybe with bytes changed or inserted, maybe with a BOM or CRLF."""
    choice = draw(st.sampled_from(["keep", "cut", "change", "insert", "bom", "crlf", "nest"]))
    position = draw(st.integers(0, len(raw)))
    if choice == "cut":
        return raw[:position]
    if choice == "change" and raw:
        position = min(position, len(raw) - 1)
        return raw[:position] + bytes([draw(st.integers(0, 255))]) + raw[position + 1 :]
    if choice == "insert":
        return raw[:position] + draw(st.binary(min_size=1, max_size=4)) + raw[position:]
    if choice == "bom":
        return b"\xef\xbb\xbf" + raw
    if choice == "crlf":
        return raw + b"\r\n"
    if choice == "nest":
        depth = draw(st.sampled_from([199, 200, 201, 5_000]))
        return raw[:-1] + b',"ext":' + b"[" * depth + b"]" * depth + b"}"
    return raw


any_line = st.one_of(
    st.binary(max_size=300),
    json_values.map(dumped),
    mutated_events(),
    events().map(dumped),
)


def assert_one_verdict(raw: bytes) -> None:
    verdict = validate(raw)
    key = case_key(raw)
    assert isinstance(key, bytes)
    if isinstance(verdict, Rejection):
        assert verdict.reason in LINE_REASONS
    else:
        assert isinstance(verdict, Event)
        assert key == verdict.subject.encode()  # an accepted event routes with its own case


@settings(max_examples=1000, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=500))
def test_arbitrary_bytes_never_raise(raw):
    assert_one_verdict(raw)


@settings(max_examples=1000, suppress_health_check=[HealthCheck.too_slow])
@given(json_values)
def test_arbitrary_json_values_never_raise(value):
    assert_one_verdict(dumped(value))
    assert_one_verdict(dumped(event("CirFiled", ext=value)))
    assert_one_verdict(dumped({**event("HearingHeld"), "data": value}))


@settings(max_examples=2000, suppress_health_check=[HealthCheck.too_slow])
@given(mutated_events())
def test_mutated_events_never_raise_and_route_with_their_case(raw):
    assert_one_verdict(raw)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(any_line, max_size=40))
def test_every_line_through_a_fold_gets_exactly_one_outcome(rules, lines):
    # given a fold, and lines of every kind, valid events of a few cases among them
    fold = ReplayFold(rules)
    # when each line is taken, and the log ends
    refusals = [refusal for number, raw in enumerate(lines) for refusal in fold.ingest(raw, number)]
    refusals += fold.finish()
    # then no line is refused twice, and every line is counted once
    refused = [refusal.token for refusal in refusals]
    assert len(refused) == len(set(refused))
    counts = fold.counts
    assert len(lines) == counts.accepted + counts.duplicates + sum(counts.rejected.values())
    assert sum(counts.rejected.values()) == len(refusals)
    for refusal in refusals:
        assert refusal.rejection.reason in LINE_REASONS | {CONFLICT, MISSING_PREREQUISITE}
    fold.result()  # and the figures can be drawn from whatever was accepted
