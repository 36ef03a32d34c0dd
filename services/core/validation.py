"""Intake validation: raw bytes to a typed `Event`, or a `Rejection` naming the failed check.

Checks run in the contract's order: malformed, envelope, unknown_type, unknown_site, invalid_data.
Valid events take the fast path: one typed msgspec decode plus the few checks types cannot
express. Only a message that fails it, or that is not plain ASCII, short and shallow, is decoded
again step by step, to name the first failure. A detail names the field and the rule broken,
never the value sent (see `details`). A leading UTF-8 byte-order mark is not part of a message.
"""

import datetime as dt
import re
from collections.abc import Collection
from decimal import Decimal
from typing import Any, NamedTuple, Union

import msgspec

from schemas.catalogue import (
    EARLIEST_BUSINESS_DATE,
    LATEST_BUSINESS_DATE,
    MAX_MESSAGE_BYTES,
    RFC3339_PATTERN,
)
from services.core.details import field_detail
from services.core.events import DATA_TYPES, EVENT_TYPES, ApplicationIssued, Envelope
from services.core.events import Reference as _Reference
from services.core.lines import (
    MAX_NESTING_DEPTH,
    bytes_problem,
    could_nest_too_deep,
    without_bom,
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
# Numbers as Decimal: a number too large for a float is then read, and refused by the field it
# is in, as the contract models do; only an integer of more digits than Python reads is not.
_decode_any = msgspec.json.Decoder(float_hook=Decimal).decode
_RFC3339 = re.compile(RFC3339_PATTERN).fullmatch
_TIME_PROBLEM = "time: not an RFC 3339 timestamp with an offset"
_SITE_PROBLEM = "site: not in the registry"
_DATE_RANGE = f"{EARLIEST_BUSINESS_DATE}..{LATEST_BUSINESS_DATE}"
# Longer lines take the careful path: they can hold an integer too long for Python to read, which
# the typed decoder skips unread in an extension attribute.
_PLAIN_LINE_BYTES = 4096
# JSON nested d levels deep takes 2d bytes at least, so a line this short cannot be too deep.
_SHALLOW_BYTES = 2 * MAX_NESTING_DEPTH


class _RealDates(dict[str, bool]):
    """Whether a YYYY-MM-DD string is a real date, memoised: timestamps share few dates.

    Emptied when it grows past a bound, as a sender chooses the dates it holds.
    """

    def __missing__(self, text: str) -> bool:
        if len(self) >= _REMEMBERED_DATES:
            self.clear()
        try:
            dt.date.fromisoformat(text)
        except ValueError:
            self[text] = False
            return False
        self[text] = True
        return True


_REMEMBERED_DATES = 4096
_real_dates = _RealDates()


def _is_rfc3339(time: str) -> bool:
    return _RFC3339(time) is not None and _real_dates[time[:10]]


_TOO_LONG = f"longer than the contract's limit of {MAX_MESSAGE_BYTES:,} bytes"


def _too_long(raw: bytes) -> bool:
    """Longer than the limit, not counting a byte-order mark or the line end a file adds."""
    return len(without_bom(raw).rstrip(b"\r\n")) > MAX_MESSAGE_BYTES


def _is_plain(raw: bytes) -> bool:
    """What the typed decoder alone reads safely: ASCII (so no byte-order mark), short, shallow."""
    if not raw.isascii():
        return False
    size = len(raw)
    return size <= _SHALLOW_BYTES or (size <= _PLAIN_LINE_BYTES and not could_nest_too_deep(raw))


def _data_problem(data: Any) -> str | None:
    """What the types cannot say: business dates in range, child ids unique within the case."""
    for name in data.date_fields:
        if not EARLIEST_BUSINESS_DATE <= getattr(data, name) <= LATEST_BUSINESS_DATE:
            return f"data.{name}: outside {_DATE_RANGE}"
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
        if len(raw) > MAX_MESSAGE_BYTES and _too_long(raw):
            return Rejection(MALFORMED, _TOO_LONG)
        # most lines are short ASCII, plain without the call to `_is_plain`
        if not (raw.isascii() and (len(raw) <= _SHALLOW_BYTES or _is_plain(raw))):
            return self._explain(without_bom(raw))
        try:
            event: Event = _decode_event(raw)
        except (msgspec.DecodeError, RecursionError):  # a ValidationError is a DecodeError too
            return self._explain(raw)
        if not _is_rfc3339(event.time):
            return Rejection(ENVELOPE, _TIME_PROBLEM)
        if event.site not in self._sites:
            return Rejection(UNKNOWN_SITE, _SITE_PROBLEM)
        problem = _data_problem(event.data)
        return event if problem is None else Rejection(INVALID_DATA, problem)

    def _explain(self, raw: bytes) -> Event | Rejection:
        """Decode stage by stage, so the first failing check names the reason.

        A line that passes every stage is an event: one whose repeated keys the typed decoder
        refused, where JSON decoding (and the contract models) take the last, or one that is not
        plain ASCII, short and shallow.
        """
        obj = _decode_object(raw)
        if isinstance(obj, Rejection):
            return obj
        problem = _envelope_problem(obj)
        if problem is not None:
            return Rejection(ENVELOPE, problem)
        if obj["type"] not in DATA_TYPES:
            return Rejection(UNKNOWN_TYPE, "type: not in the catalogue")
        if obj["site"] not in self._sites:
            return Rejection(UNKNOWN_SITE, _SITE_PROBLEM)
        try:
            data = msgspec.convert(obj["data"], DATA_TYPES[obj["type"]])
        except msgspec.ValidationError as error:
            return Rejection(INVALID_DATA, field_detail(error, "data"))
        problem = _data_problem(data)
        if problem is not None:
            return Rejection(INVALID_DATA, problem)
        try:  # the stages above check what the typed decoder does; kept so no input can raise
            return msgspec.convert(obj, EVENT_TYPES[obj["type"]])
        except msgspec.ValidationError as error:
            return Rejection(ENVELOPE, field_detail(error, ""))


def _decode_object(raw: bytes) -> dict[str, Any] | Rejection:
    problem = bytes_problem(raw)
    if problem is not None:
        return Rejection(MALFORMED, problem)
    try:
        obj = _decode_any(raw)
    except msgspec.ValidationError:  # valid JSON, but a number no decoder here can hold
        return Rejection(MALFORMED, "a number with too many digits")
    except (msgspec.DecodeError, RecursionError, ValueError):
        return Rejection(MALFORMED, "not valid JSON")
    if type(obj) is not dict:
        return Rejection(MALFORMED, "not a JSON object")
    return obj


def _envelope_problem(obj: dict[str, Any]) -> str | None:
    try:
        msgspec.convert(obj, _EnvelopeOnly)
    except msgspec.ValidationError as error:
        return field_detail(error, "")
    if obj["specversion"] != "1.0" or type(obj["specversion"]) is not str:
        return "specversion: must be 1.0"
    if type(obj["time"]) is not str or not _is_rfc3339(obj["time"]):
        return _TIME_PROBLEM
    version = obj.get("schemaversion", 1)
    if type(version) is not int or version != 1:
        return "schemaversion: must be 1"
    if obj.get("datacontenttype") not in (None, "application/json"):
        return "datacontenttype: must be application/json"
    return None
