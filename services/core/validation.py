"""Intake validation: raw bytes to a validated `Event`, or a `Rejection` naming the failed check.

Checks run in the contract's order: malformed, envelope, unknown_type, unknown_site, invalid_data.
This hand-written check is the hot path of every service and of the replay; a differential test
holds it to the pydantic models in `schemas.events`, which remain the published contract.
"""

import datetime as dt
import re
from collections.abc import Callable, Collection
from typing import Any, NamedTuple

from schemas.catalogue import (
    BUSINESS_DATE_FIELD,
    CIR_AUTHORS,
    EARLIEST_BUSINESS_DATE,
    HEARING_TYPES,
    LATEST_BUSINESS_DATE,
    RECOMMENDATIONS,
    RFC3339_PATTERN,
    SPEC_VERSION,
)

MALFORMED = "malformed"
ENVELOPE = "envelope"
UNKNOWN_TYPE = "unknown_type"
UNKNOWN_SITE = "unknown_site"
INVALID_DATA = "invalid_data"
CONFLICT = "conflict"
MISSING_PREREQUISITE = "missing_prerequisite"
REJECTION_REASONS = (
    MALFORMED,
    ENVELOPE,
    UNKNOWN_TYPE,
    UNKNOWN_SITE,
    INVALID_DATA,
    CONFLICT,
    MISSING_PREREQUISITE,
)

MAX_REFERENCE_LENGTH = 200
MAX_REASON_LENGTH = 500


class Event(NamedTuple):
    """An event that passed validation; `data` holds parsed dates and the contract's defaults."""

    id: str
    type: str
    subject: str
    site: str
    on: dt.date  # the business date
    data: dict[str, Any]


class Rejection(NamedTuple):
    reason: str
    detail: str


_is_rfc3339 = re.compile(RFC3339_PATTERN).fullmatch
_REFERENCE = f"must be a string of 1 to {MAX_REFERENCE_LENGTH} characters"


class InvalidField(Exception):
    """Raised by a field check; carries a short description of the problem."""


class _KnownDates(dict[str, dt.date]):
    """Parsed YYYY-MM-DD strings, memoised: logs repeat the same few thousand dates."""

    def __missing__(self, text: str) -> dt.date:
        if len(text) != 10 or text[4] != "-" or text[7] != "-" or not text.isascii():
            raise InvalidField("must be a YYYY-MM-DD date")
        try:
            parsed = self[text] = dt.date.fromisoformat(text)
        except ValueError:
            raise InvalidField("is not a real date") from None
        return parsed


_known_dates = _KnownDates()


def _date(value: Any) -> dt.date:
    if type(value) is not str:
        raise InvalidField("must be a YYYY-MM-DD date")
    parsed = _known_dates[value]
    if not EARLIEST_BUSINESS_DATE <= parsed <= LATEST_BUSINESS_DATE:
        raise InvalidField(f"is outside {EARLIEST_BUSINESS_DATE}..{LATEST_BUSINESS_DATE}")
    return parsed


def _bool(value: Any) -> bool:
    if type(value) is not bool:
        raise InvalidField("must be true or false")
    return value


def _reference(value: Any) -> str:
    if type(value) is not str or not 0 < len(value) <= MAX_REFERENCE_LENGTH:
        raise InvalidField(_REFERENCE)
    return value


def _one_of(*allowed: str) -> Callable[[Any], str]:
    choices = frozenset(allowed)
    problem = f"must be one of {', '.join(allowed)}"

    def check(value: Any) -> str:
        if type(value) is not str or value not in choices:
            raise InvalidField(problem)
        return value

    return check


def _optional(check: Callable[[Any], Any]) -> Callable[[Any], Any]:
    def optional_check(value: Any) -> Any:
        return None if value is None else check(value)

    return optional_check


def _reason_text(value: Any) -> str:
    if type(value) is not str or len(value) > MAX_REASON_LENGTH:
        raise InvalidField(f"must be a string of at most {MAX_REASON_LENGTH} characters")
    return value


def _children(value: Any) -> tuple[str, ...]:
    if type(value) is not list or not value:
        raise InvalidField("must be a non-empty list of {child_id}")
    ids = []
    for child in value:
        if type(child) is not dict or child.keys() != {"child_id"}:
            raise InvalidField("entries must be objects with exactly a child_id")
        ids.append(_reference(child["child_id"]))
    if len(set(ids)) != len(ids):
        raise InvalidField("child_id values must be unique within the case")
    return tuple(ids)


_author = _one_of(*CIR_AUTHORS)


class _DataSpec(NamedTuple):
    checks: tuple[tuple[str, Callable[[Any], Any]], ...]
    defaults: dict[str, Any]  # optional fields and their default values

    @property
    def all_fields(self) -> frozenset[str]:
        return frozenset(name for name, _ in self.checks)


def _spec(
    required: dict[str, Callable[[Any], Any]], **optional: tuple[Callable[[Any], Any], Any]
) -> _DataSpec:
    checks = {**required, **{name: check for name, (check, _) in optional.items()}}
    defaults = {name: default for name, (_, default) in optional.items()}
    return _DataSpec(tuple(checks.items()), defaults)


_DATA_SPECS: dict[str, _DataSpec] = {
    "ApplicationIssued": _spec(
        {"issued_on": _date, "children": _children, "harm_alleged": _bool},
        without_notice=(_bool, False),
    ),
    "SafeguardingChecksCompleted": _spec(
        {
            "completed_on": _date,
            "la_involved_last_12_weeks": _bool,
            "domestic_abuse_indicated": _bool,
        }
    ),
    "GatekeepingDecisionMade": _spec(
        {"decided_on": _date},
        cir_author=(_optional(_author), None),
        idva_referral=(_optional(_bool), None),
    ),
    "CirTransferred": _spec({"transferred_on": _date, "to_author": _author}),
    "CirDueDateExtended": _spec(
        {"extended_on": _date, "new_due_on": _date}, reason=(_optional(_reason_text), None)
    ),
    "ChildSeen": _spec({"child_id": _reference, "seen_on": _date, "in_person": _bool}),
    "CirFiled": _spec(
        {
            "filed_on": _date,
            "child_voice_included": _bool,
            "recommendation": _one_of(*RECOMMENDATIONS),
        }
    ),
    "IdvaReferralAccepted": _spec({"accepted_on": _date}),
    "IdvaReferralDeclined": _spec({"declined_on": _date}),
    "HearingHeld": _spec({"held_on": _date, "hearing_type": _one_of(*HEARING_TYPES)}),
    "FinalOrderMade": _spec({"made_on": _date, "by_consent": _bool, "without_hearing": _bool}),
    "ApplicationWithdrawn": _spec({"withdrawn_on": _date}),
    "ReviewCompleted": _spec({"completed_on": _date}),
}
assert _DATA_SPECS.keys() == BUSINESS_DATE_FIELD.keys()
_ALL_FIELDS = {event_type: spec.all_fields for event_type, spec in _DATA_SPECS.items()}


def _check_data(event_type: str, data: dict[str, Any]) -> str | None:
    """Check `data` in place (dates parsed, defaults filled); return the first problem, if any."""
    spec = _DATA_SPECS[event_type]
    if data.keys() != _ALL_FIELDS[event_type]:
        unexpected = data.keys() - _ALL_FIELDS[event_type]
        if unexpected:
            return f"data has unexpected field(s): {', '.join(sorted(unexpected))}"
        for name, default in spec.defaults.items():
            data.setdefault(name, default)
    name = ""
    try:
        for name, check in spec.checks:
            data[name] = check(data[name])
    except KeyError:
        return f"data.{name} is missing"
    except InvalidField as problem:
        return f"data.{name} {problem}"
    return None


def _envelope_problem(obj: dict[str, Any]) -> str | None:
    get = obj.get
    if get("specversion") != SPEC_VERSION:
        return "specversion must be 1.0"
    for name in ("id", "source", "type", "subject", "site"):
        value = get(name)
        if type(value) is not str or not 0 < len(value) <= MAX_REFERENCE_LENGTH:
            return f"{name} {_REFERENCE}"
    time = get("time")
    if type(time) is not str or _is_rfc3339(time) is None or not _is_real_date(time[:10]):
        return "time must be an RFC 3339 timestamp with an offset"
    version = get("schemaversion", 1)
    if type(version) is not int or version != 1:
        return "schemaversion must be 1"
    if get("datacontenttype") not in (None, "application/json"):
        return "datacontenttype must be application/json"
    if type(get("data")) is not dict:
        return "data must be a JSON object"
    return None


def _is_real_date(text: str) -> bool:
    try:
        _known_dates[text]
    except InvalidField:
        return False
    return True


class Validator:
    """Turns one message's bytes into an `Event` or a `Rejection`; `decode` parses JSON."""

    def __init__(self, sites: Collection[str], decode: Callable[[bytes], Any]) -> None:
        self._sites = frozenset(sites)
        self._decode = decode

    def __call__(self, raw: bytes) -> Event | Rejection:
        try:
            obj = self._decode(raw)
        except ValueError:  # includes JSON and UTF-8 decoding errors
            return Rejection(MALFORMED, "not valid JSON")
        if type(obj) is not dict:
            return Rejection(MALFORMED, "not a JSON object")
        problem = _envelope_problem(obj)
        if problem is not None:
            return Rejection(ENVELOPE, problem)
        event_type = obj["type"]
        if event_type not in _DATA_SPECS:
            return Rejection(UNKNOWN_TYPE, f"type {event_type!r} is not in the catalogue")
        site = obj["site"]
        if site not in self._sites:
            return Rejection(UNKNOWN_SITE, f"site {site!r} is not in the registry")
        data = obj["data"]
        problem = _check_data(event_type, data)
        if problem is not None:
            return Rejection(INVALID_DATA, problem)
        return Event(
            obj["id"], event_type, obj["subject"], site, data[BUSINESS_DATE_FIELD[event_type]], data
        )
