"""Reporting's table values: the newest facts of a case, and one entry per dead letter.

Each carries its form number and the partition it belongs to, so a worker serves only the
partitions it owns, and a value written by a newer form is refused rather than misread.
"""

import msgspec

from services.core.derived import CaseFacts
from services.streaming.forms import check_form

STORED_FORM = 1


class StoredFacts(msgspec.Struct, kw_only=True):
    form: int = STORED_FORM
    partition: int  # of the case-facts topic
    facts: CaseFacts


class _StoredFactsBytes(msgspec.Struct, kw_only=True):
    form: int = STORED_FORM
    partition: int
    facts: msgspec.Raw  # the facts as received, not encoded again


class DeadLetterEntry(msgspec.Struct, kw_only=True):
    form: int = STORED_FORM
    partition: int  # of the dead-letter topic
    reason: str


_encode = msgspec.json.Encoder().encode
decode_facts = msgspec.json.Decoder(CaseFacts).decode
_decode_stored_facts = msgspec.json.Decoder(StoredFacts).decode
_decode_dead_letter_entry = msgspec.json.Decoder(DeadLetterEntry).decode
_decode_stored_header = msgspec.json.Decoder(_StoredFactsBytes).decode


def store_facts(partition: int, facts: bytes) -> bytes:
    """The table value for facts received on a partition."""
    return _encode(_StoredFactsBytes(partition=partition, facts=msgspec.Raw(facts)))


def decode_stored_facts(value: bytes) -> StoredFacts:
    """Facts read back from the table."""
    stored = _decode_stored_facts(value)
    check_form(stored.form, STORED_FORM, "stored facts")
    return stored


def stored_partition(value: bytes) -> int:
    """The partition stored facts belong to, read without decoding the facts."""
    stored = _decode_stored_header(value)
    check_form(stored.form, STORED_FORM, "stored facts")
    return stored.partition


def dead_letter_entry(partition: int, reason: str) -> bytes:
    """The table value recording one dead letter."""
    return _encode(DeadLetterEntry(partition=partition, reason=reason))


def decode_dead_letter_entry(value: bytes) -> DeadLetterEntry:
    """A dead-letter entry read back from the table."""
    entry = _decode_dead_letter_entry(value)
    check_form(entry.form, STORED_FORM, "a dead-letter entry")
    return entry
