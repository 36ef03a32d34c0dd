"""A line of the log, labelled with what it is: an event, a duplicate, or a bad line."""

from typing import NamedTuple

import orjson

EVENT, DUPLICATE = "event", "duplicate"
# The processor's rejection reasons, which label the noise lines.
MALFORMED, ENVELOPE, UNKNOWN_TYPE = "malformed", "envelope", "unknown_type"
UNKNOWN_SITE, INVALID_DATA = "unknown_site", "invalid_data"
CONFLICT, MISSING_PREREQUISITE = "conflict", "missing_prerequisite"


class Line(NamedTuple):
    kind: str  # EVENT, DUPLICATE, or for noise the rejection reason the processor should give
    payload: bytes


def dumps(value: object) -> bytes:
    """`value` as one line of JSON, without the newline."""
    # orjson's output keeps its 4 KiB buffer; a copy holds just the line while it waits
    return bytes(memoryview(orjson.dumps(value)))
