"""Case ledgers as table values: the case state, the accepted ids and the held messages as JSON.

A held message is stored as its original bytes and where it came from, and validated again when
the ledger is read: the stored form stays independent of the in-memory event types. Every stored
ledger carries its form number and the partition it belongs to; a ledger written by a newer form
is refused rather than misread.
"""

import datetime as dt
from collections.abc import Callable, Iterable, Iterator

import msgspec

from services.core.case import CaseState
from services.core.ledger import CaseLedger, Held
from services.core.validation import Rejection, Validator
from services.streaming.forms import StoredFormError, check_form

LEDGER_FORM = 1


class Origin(msgspec.Struct, frozen=True, kw_only=True):
    """Where a message came from, with its bytes: enough to dead-letter it byte for byte."""

    raw: bytes
    topic: str
    partition: int
    offset: int
    # The business clock's date when it arrived, which the hold limit counts from; None when the
    # event clock had not decided a date yet (the first date it decides is stamped then).
    received_on: dt.date | None


class _StoredLedger(msgspec.Struct, kw_only=True):
    form: int = LEDGER_FORM
    partition: int  # of the keyed topic the ledger's messages come in on
    state: CaseState
    ids: list[str]
    held: list[Origin]


class LedgerSummary(msgspec.Struct, kw_only=True):
    """What an index needs of a stored ledger, read without validating its held messages."""

    form: int = LEDGER_FORM
    partition: int
    state: CaseState
    held: list[msgspec.Raw]


_encode = msgspec.json.Encoder().encode
_decode = msgspec.json.Decoder(_StoredLedger).decode
_summarise = msgspec.json.Decoder(LedgerSummary).decode


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
    check_form(record.form, LEDGER_FORM, "a ledger")
    ledger = CaseLedger()
    ledger.state = record.state
    ledger.ids = set(record.ids)
    for origin in record.held:
        event = validate(origin.raw)
        if isinstance(event, Rejection):  # it was valid when held: the stored form is damaged
            raise ValueError(f"a held message no longer validates ({event.reason})")
        ledger.held.append(Held(event, origin))
    return ledger


def stamp_arrivals(ledger: CaseLedger, today: dt.date) -> bool:
    """Give held messages that arrived before the clock had a date today's; whether any had."""
    undated = [held for held in ledger.held if held.token.received_on is None]
    for held in undated:
        stamped = Held(held.event, msgspec.structs.replace(held.token, received_on=today))
        ledger.held[ledger.held.index(held)] = stamped
    return bool(undated)


def summarise(stored: bytes) -> LedgerSummary:
    """The partition, state and held count of a stored ledger, cheaply."""
    summary = _summarise(stored)
    check_form(summary.form, LEDGER_FORM, "a ledger")
    return summary


def partition_entries(
    stored: Iterable[tuple[bytes, bytes]],
    partition: int,
    wanted: Callable[[LedgerSummary], bool],
) -> Iterator[tuple[bytes, bool]]:
    """(key, wanted) for each stored ledger of one partition: what a partition index is built from.

    A ledger that cannot be read is yielded as wanted, so the work on it fails, and is reported,
    where one failing key skips only itself.
    """
    for key, value in stored:
        try:
            summary = summarise(value)
        except (msgspec.DecodeError, msgspec.ValidationError, StoredFormError):
            yield key, True
            continue
        if summary.partition == partition:
            yield key, wanted(summary)
