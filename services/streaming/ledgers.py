"""Case ledgers as table values: the case state, the accepted ids and the held messages as JSON.

A held message is stored as its original bytes and where it came from, and validated again when
the ledger is read: the stored form stays independent of the in-memory event types.
"""

import datetime as dt
from collections.abc import Callable, Iterable, Iterator

import msgspec

from services.core.case import CaseState
from services.core.ledger import CaseLedger, Held
from services.core.validation import Rejection, Validator


class Origin(msgspec.Struct, frozen=True, kw_only=True):
    """Where a message came from, with its bytes: enough to dead-letter it byte for byte."""

    raw: bytes
    topic: str
    partition: int
    offset: int
    received_on: dt.date  # the business clock's date when it arrived: the hold limit counts from it


class _StoredLedger(msgspec.Struct, kw_only=True):
    partition: int  # of the keyed topic the ledger's messages come in on
    state: CaseState
    ids: list[str]
    held: list[Origin]


_encode = msgspec.json.Encoder().encode
_decode = msgspec.json.Decoder(_StoredLedger).decode


def encode_ledger(ledger: CaseLedger, partition: int) -> bytes:
    """The ledger as JSON bytes for a table."""
    held = [entry.token for entry in ledger.held]
    stored = _StoredLedger(
        partition=partition, state=ledger.state, ids=sorted(ledger.ids), held=held
    )
    return _encode(stored)


def decode_ledger(stored: bytes, validate: Validator) -> CaseLedger:
    """A ledger read back from its JSON bytes."""
    record = _decode(stored)
    ledger = CaseLedger()
    ledger.state = record.state
    ledger.ids = set(record.ids)
    for origin in record.held:
        event = validate(origin.raw)
        if isinstance(event, Rejection):  # it was valid when held: the stored form is damaged
            raise ValueError(f"a held message no longer validates: {event.detail}")
        ledger.held.append(Held(event, origin))
    return ledger


def indexed(
    stored: Iterable[tuple[bytes, bytes]],
    validate: Validator,
    wanted: Callable[[CaseLedger], bool],
) -> Iterator[tuple[int, bytes, bool]]:
    """(partition, key, wanted) for each stored ledger of a table: what a partition index needs."""
    for key, value in stored:
        yield _decode(value).partition, key, wanted(decode_ledger(value, validate))
