"""Intake validation: raw bytes to a typed `Event`, or a `Rejection` naming the failed check.

Checks run in the contract's order: malformed, envelope, unknown_type, unknown_site, invalid_data.
Valid events take the fast path: one typed msgspec decode plus the few checks types cannot
express. Only a message that fails it is decoded again step by step, to name the first failure.
"""

import datetime as dt
import re
from collections.abc import Collection
from typing import Any, NamedTuple, Union

import msgspec

from schemas.catalogue import (
    EARLIEST_BUSINESS_DATE,
    LATEST_BUSINESS_DATE,
    RFC3339_PATTERN,
)
from services.core.events import DATA_TYPES, EVENT_TYPES, ApplicationIssued, Envelope
from services.core.events import Reference as _Reference

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

Event = Envelope  # a decoded, validated event of any type


class Rejection(NamedTuple):
    reason: str
    detail: str


class _EnvelopeOnly(msgspec.Struct, kw_only=True):
    """The envelope with `type` as plain text and `data` as any object: the second stage."""

    specversion: Any
    id: _Reference
    source: _Reference
    type: _Reference
    subject: _Reference
    time: Any
    site: _Reference
    schemaversion: Any = 1
    datacontenttype: Any = None
    data: dict[str, Any]


_decode_event = msgspec.json.Decoder(Union[tuple(EVENT_TYPES.values())]).decode  # noqa: UP007
_decode_any = msgspec.json.Decoder().decode
_RFC3339 = re.compile(RFC3339_PATTERN).fullmatch
_TIME_PROBLEM = "time must be an RFC 3339 timestamp with an offset"
_DATE_RANGE = f"{EARLIEST_BUSINESS_DATE}..{LATEST_BUSINESS_DATE}"


class _RealDates(dict[str, bool]):
    """Whether a YYYY-MM-DD string is a real date, memoised: timestamps share few dates."""

    def __missing__(self, text: str) -> bool:
        try:
            dt.date.fromisoformat(text)
        except ValueError:
            self[text] = False
            return False
        self[text] = True
        return True


_real_dates = _RealDates()


def _is_rfc3339(time: str) -> bool:
    return _RFC3339(time) is not None and _real_dates[time[:10]]


def _data_problem(data: Any) -> str | None:
    """What the types cannot say: business dates in range, child ids unique within the case."""
    for name in data.date_fields:
        if not EARLIEST_BUSINESS_DATE <= getattr(data, name) <= LATEST_BUSINESS_DATE:
            return f"data.{name} is outside {_DATE_RANGE}"
    if type(data) is ApplicationIssued:
        ids = [child.child_id for child in data.children]
        if len(set(ids)) != len(ids):
            return "data.children: child_id values must be unique within the case"
    return None


class Validator:
    """Turns one message's bytes into an `Event` or a `Rejection`."""

    def __init__(self, sites: Collection[str]) -> None:
        self._sites = frozenset(sites)

    def __call__(self, raw: bytes) -> Event | Rejection:
        try:
            event: Event = _decode_event(raw)
        except (msgspec.ValidationError, msgspec.DecodeError):
            return self._explain(raw)
        if not _is_rfc3339(event.time):
            return Rejection(ENVELOPE, _TIME_PROBLEM)
        if event.site not in self._sites:
            return Rejection(UNKNOWN_SITE, f"site {event.site!r} is not in the registry")
        problem = _data_problem(event.data)
        return event if problem is None else Rejection(INVALID_DATA, problem)

    def _explain(self, raw: bytes) -> Rejection:
        """Decode again stage by stage, so the first failing check names the reason."""
        try:
            obj = _decode_any(raw)
        except msgspec.DecodeError:
            return Rejection(MALFORMED, "not valid JSON")
        if type(obj) is not dict:
            return Rejection(MALFORMED, "not a JSON object")
        problem = _envelope_problem(obj)
        if problem is not None:
            return Rejection(ENVELOPE, problem)
        if obj["type"] not in DATA_TYPES:
            return Rejection(UNKNOWN_TYPE, f"type {obj['type']!r} is not in the catalogue")
        if obj["site"] not in self._sites:
            return Rejection(UNKNOWN_SITE, f"site {obj['site']!r} is not in the registry")
        try:
            data = msgspec.convert(obj["data"], DATA_TYPES[obj["type"]])
        except msgspec.ValidationError as error:
            return Rejection(INVALID_DATA, _data_path(str(error)))
        return Rejection(INVALID_DATA, _data_problem(data) or "data does not match its type")


def _envelope_problem(obj: dict[str, Any]) -> str | None:
    try:
        msgspec.convert(obj, _EnvelopeOnly)
    except msgspec.ValidationError as error:
        return str(error).replace("`$.", "`")
    if obj["specversion"] != "1.0" or type(obj["specversion"]) is not str:
        return "specversion must be 1.0"
    if type(obj["time"]) is not str or not _is_rfc3339(obj["time"]):
        return _TIME_PROBLEM
    version = obj.get("schemaversion", 1)
    if type(version) is not int or version != 1:
        return "schemaversion must be 1"
    if obj.get("datacontenttype") not in (None, "application/json"):
        return "datacontenttype must be application/json"
    return None


def _data_path(message: str) -> str:
    """msgspec's message with its paths rooted at `data`, where the publisher will look."""
    return "data: " + message.replace("`$.", "`data.").replace("`$`", "`data`")
