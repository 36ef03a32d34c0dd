"""A line's bytes before they are read as JSON: its byte-order mark, its UTF-8, its nesting depth.

The JSON decoders recurse once per level of nesting, so a line of 100,000 `[` would exhaust the
stack; the depth is therefore measured on the bytes, without recursing, before anything decodes
a line that could be that deep.
"""

import re
from itertools import accumulate, count
from operator import sub

UTF8_BOM = b"\xef\xbb\xbf"
# As deep as the JSON parser behind the contract models (pydantic-core) reads: an event the
# models accept is never refused for its depth, and no decoder here nears Python's stack limit.
MAX_NESTING_DEPTH = 200

_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_BRACKETS = bytes(set(range(256)) - set(b"[]{}"))
_STEPS = bytes.maketrans(b"[{]}", b"\x02\x02\x00\x00")  # an opening bracket 2, a closing one 0
_TOO_MANY_OPENINGS = b"\x02" * (MAX_NESTING_DEPTH + 1)


def without_bom(raw: bytes) -> bytes:
    """The line without a leading UTF-8 byte-order mark, which some editors and exports add."""
    return raw[len(UTF8_BOM) :] if raw.startswith(UTF8_BOM) else raw


def could_nest_too_deep(raw: bytes) -> bool:
    """False when the line has too few brackets to nest deeper than the limit."""
    return raw.count(b"[") + raw.count(b"{") > MAX_NESTING_DEPTH


def too_deep(raw: bytes) -> bool:
    """Whether more than the limit of arrays and objects enclose some point of the line."""
    if not could_nest_too_deep(raw):
        return False
    steps = _STRING.sub(b"", raw).translate(None, _NOT_BRACKETS).translate(_STEPS)
    if _TOO_MANY_OPENINGS in steps:  # the usual attack, answered without a walk over every step
        return True
    # the depth after the k-th bracket is the sum of its first k steps less k
    return max(map(sub, accumulate(steps), count(1)), default=0) > MAX_NESTING_DEPTH


def bytes_problem(raw: bytes) -> str | None:
    """Why the line cannot be read as JSON before it is parsed: not UTF-8, or nested too deep."""
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return "not valid UTF-8"
    if too_deep(raw):
        return f"nested more than {MAX_NESTING_DEPTH} levels deep"
    return None
