"""Which shard a raw message belongs to, read from its bytes: all of a case's events go to one.

Replay workers each read the whole log and route every line to exactly one of them by its case
reference. The reference is found without decoding the JSON when it is written plainly (once, no
escapes), and by decoding it otherwise, so the route never depends on how a publisher spaced or
escaped the JSON.
"""

import re
import zlib

import msgspec

_KEY = b'"subject"'
_PLAIN_SUBJECT = re.compile(rb'"subject"[ \t\r\n]*:[ \t\r\n]*"([^"\\]*)"')


def case_key(raw: bytes) -> bytes:
    """The UTF-8 bytes of the message's `subject`, or b"" when it has none."""
    # Plainly written: the key once (no later duplicate), and no escape anywhere that could
    # spell the key or the value differently. Otherwise decode.
    if b"\\" not in raw and raw.count(_KEY) == 1:
        found = _PLAIN_SUBJECT.search(raw)
        if found is not None:
            return found.group(1)
    try:
        obj = msgspec.json.decode(raw)
    except msgspec.DecodeError:
        return b""
    subject = obj.get("subject") if type(obj) is dict else None
    return subject.encode() if type(subject) is str else b""


def shard_of(raw: bytes, shards: int) -> int:
    """The shard, 0 to shards - 1, that owns this message (and every event of its case)."""
    return zlib.crc32(case_key(raw)) % shards
