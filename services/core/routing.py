"""Which shard a raw message belongs to, read from its bytes: all of a case's events go to one.

Replay workers each read the whole log and route every line to exactly one of them by its case
reference. The reference is found without decoding the JSON when it is written plainly (once, no
escapes), and by decoding it otherwise, so the route never depends on how a publisher spaced or
escaped the JSON. The decoding reads the `subject` alone, as the validator's typed decoding does
(a repeated key: the last), and skips the rest unread, so no other value can make it fail. A
leading UTF-8 byte-order mark is not part of the message. A subject longer than any case
reference can be is no key at all: the message is refused whatever its route, and as a Kafka key
it could take a message past the broker's limit.
"""

import re
import zlib
from collections.abc import Sequence
from itertools import repeat
from operator import itemgetter, mod
from typing import Any, cast

import msgspec

from schemas.catalogue import MAX_REFERENCE_LENGTH
from services.core.lines import without_bom

MAX_KEY_BYTES = 4 * MAX_REFERENCE_LENGTH  # a reference's characters, four UTF-8 bytes each

_KEY = b'"subject"'
_PLAIN_SUBJECT = re.compile(rb'"subject"[ \t\r\n]*:[ \t\r\n]*"([^"\\]*)"')


class _Subject(msgspec.Struct):
    subject: Any = None


_decode_subject = msgspec.json.Decoder(_Subject).decode


def case_key(raw: bytes) -> bytes:
    """The UTF-8 bytes of the message's `subject`, or b"" when it has none that could be valid."""
    key = _subject_bytes(without_bom(raw))
    return key if len(key) <= MAX_KEY_BYTES else b""


def _subject_bytes(raw: bytes) -> bytes:
    # Plainly written: the key once (no later duplicate), and no escape anywhere that could
    # spell the key or the value differently. Otherwise decode.
    if b"\\" not in raw and raw.count(_KEY) == 1:
        found = _PLAIN_SUBJECT.search(raw)
        if found is not None:
            return found.group(1)
    try:
        subject = _decode_subject(raw).subject
    except (msgspec.DecodeError, RecursionError):  # not a JSON object, or nested past the stack
        return b""
    # surrogatepass: any text encodes, and a lone surrogate as the bytes a plain line carries
    return subject.encode("utf-8", "surrogatepass") if type(subject) is str else b""


def shard_of(raw: bytes, shards: int) -> int:
    """The shard, 0 to shards - 1, that owns this message (and every event of its case)."""
    return zlib.crc32(case_key(raw)) % shards


_BACKSLASH = b"\\"
_group = itemgetter(1)


def shards_of(lines: Sequence[bytes], shards: int) -> list[int]:
    """`shard_of` of each line, for many lines at once: the same shards, in a few calls.

    When every line is plainly written (the key once, no escape, a reference not too long), the
    pattern runs over the lines and the keys are hashed in bulk; otherwise each line takes
    `shard_of`, which reads it as above.
    """
    found = list(map(_PLAIN_SUBJECT.search, lines))
    block = b"".join(lines)
    if _BACKSLASH not in block and block.count(_KEY) == len(lines) and None not in found:
        # every line matched, so holds the key at least once; as many keys as lines: once each
        keys: list[bytes] = list(map(_group, cast(list[re.Match[bytes]], found)))
        if max(map(len, keys), default=0) <= MAX_KEY_BYTES:
            return list(map(mod, map(zlib.crc32, keys), repeat(shards)))
    return [shard_of(raw, shards) for raw in lines]
