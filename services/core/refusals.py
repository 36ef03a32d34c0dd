"""A refusal as its publisher is told of it: what identifies the message and why it was refused,
never what it held.

One refusal per refused inbound message, identified by where the message was read (topic,
partition, offset), so a refusal sent again after a redelivery has the same `id`. It is keyed
by the message's CloudEvents `source`, so each publisher can read its own; a message without a
readable `source` (not JSON, not an object, no `source` string of 1 to 200 characters) has the
empty key, which no valid `source` can be. The message's `id`, `source` and `type` are carried
(as `ce_id`, `ce_source`, `ce_type`) when they can be read as such strings; its `subject`,
`data` and bytes never are.
"""

import datetime as dt

import msgspec

from schemas.catalogue import MAX_REFERENCE_LENGTH
from services.core.lines import without_bom
from services.core.validation import Rejection

UNKNOWN_SOURCE_KEY = b""


class RefusalNotice(msgspec.Struct, frozen=True, kw_only=True):
    """One refused inbound message, as sent on the refusals topic."""

    id: str
    ce_id: str | None
    ce_source: str | None
    ce_type: str | None
    reason: str
    detail: str
    topic: str
    partition: int
    offset: int
    refused_at: dt.datetime


class _Identifying(msgspec.Struct):
    id: object = None
    source: object = None
    type: object = None


_decode_identifying = msgspec.json.Decoder(_Identifying).decode
encode_refusal = msgspec.json.Encoder().encode


def refusal_id(topic: str, partition: int, offset: int) -> str:
    """A refusal's identity: where the refused message was read, `<topic>/<partition>/<offset>`."""
    return f"{topic}/{partition}/{offset}"


def _readable(value: object) -> str | None:
    """The value when it is a string of 1 to 200 characters that is valid Unicode text."""
    if type(value) is not str or not 0 < len(value) <= MAX_REFERENCE_LENGTH:
        return None
    try:
        value.encode("utf-8")  # a lone surrogate (from a \ud800 escape) is no text to send on
    except UnicodeEncodeError:
        return None
    return value


def refusal(
    raw: bytes,
    rejection: Rejection,
    topic: str,
    partition: int,
    offset: int,
    refused_at: dt.datetime,
) -> tuple[bytes, RefusalNotice]:
    """The key (the message's `source`, else empty) and the refusal of one refused message."""
    try:
        found = _decode_identifying(without_bom(raw))
    except (msgspec.DecodeError, RecursionError):  # not a JSON object, or nested past the stack
        found = _Identifying()
    source = _readable(found.source)
    notice = RefusalNotice(
        id=refusal_id(topic, partition, offset),
        ce_id=_readable(found.id),
        ce_source=source,
        ce_type=_readable(found.type),
        reason=rejection.reason,
        detail=rejection.detail,
        topic=topic,
        partition=partition,
        offset=offset,
        refused_at=refused_at,
    )
    return (source.encode() if source is not None else UNKNOWN_SOURCE_KEY), notice
