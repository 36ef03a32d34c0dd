"""Redrive: send dead-lettered inbound messages to the court-events topic again, once the cause of
their refusal is fixed (a prerequisite that came after the hold limit, a site added to the
registry, a fault of a worker's code).

The dead-letter topic is read from its beginning to its end as it is when the command starts;
then each chosen message is sent, byte for byte and keyed as its dead letter, to court-events,
where intake takes it as any other message. Chosen: the dead letters of the reason asked for
(and, with a date, written on or after it, in Europe/London), read from an inbound topic
(court-events, or intake's own hop from it; a gatekeeping or reporting `processing_error` is
about a message intake had already accepted), and not truncated (their bytes are not all
there). Each message is sent once per run, however many dead letters it has: a redelivery
dead-letters it again at the same source position, a redriven message refused again at a new
one. Running it again is safe: intake ignores an event whose `id` its case already accepted or
holds, and a message refused again is refused again.
"""

import datetime as dt
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Final
from zoneinfo import ZoneInfo

from aiokafka import AIOKafkaProducer

from services.stack.kafka_io import read_to_end
from services.streaming.dead_letters import TRUNCATED_HEADER
from services.streaming.failures import DEAD_LETTER_REASONS
from services.streaming.faust_app import MAX_REQUEST_BYTES
from services.streaming.kafka_security import client_options
from services.topics import Topics

REDRIVEN_FROM_HEADER: Final = "redriven-from"
DEAD_LETTER_DATES: Final = ZoneInfo("Europe/London")
_POSITION_HEADERS: Final = ("source-topic", "source-partition", "source-offset")


@dataclass(frozen=True, slots=True)
class DeadLetterRecord:
    """One record of the dead-letter topic: key, value, headers and its timestamp (ms)."""

    key: bytes
    value: bytes
    headers: dict[str, bytes]
    timestamp_ms: int

    @property
    def position(self) -> bytes:
        """Where the dead-lettered message was read: `<topic>/<partition>/<offset>`."""
        return b"/".join(self.headers.get(name, b"") for name in _POSITION_HEADERS)

    def written_on(self) -> dt.date:
        """The date the dead letter was written, in Europe/London."""
        moment = dt.datetime.fromtimestamp(self.timestamp_ms / 1000, dt.UTC)
        return moment.astimezone(DEAD_LETTER_DATES).date()


@dataclass(slots=True)
class Selection:
    """The dead letters read, what became of each, and the messages to send again."""

    read: int = 0
    other_reason: int = 0
    earlier: int = 0
    not_inbound: int = 0
    truncated: int = 0
    repeats: int = 0  # the same dead letter again, or the same message already chosen
    chosen: list[DeadLetterRecord] = field(default_factory=list)
    _positions: set[bytes] = field(default_factory=set)
    _messages: set[bytes] = field(default_factory=set)

    def take(
        self, record: DeadLetterRecord, reason: str, since: dt.date | None, inbound: set[str]
    ) -> None:
        """Count one dead letter, and choose it when it is to be sent again."""
        self.read += 1
        headers = record.headers
        if headers.get("reason", b"").decode(errors="replace") != reason:
            self.other_reason += 1
        elif since is not None and record.written_on() < since:
            self.earlier += 1
        elif headers.get("source-topic", b"").decode(errors="replace") not in inbound:
            self.not_inbound += 1
        elif TRUNCATED_HEADER in headers:
            self.truncated += 1
        else:
            message = hashlib.sha256(record.value).digest()
            if record.position in self._positions or message in self._messages:
                self.repeats += 1
            else:
                self.chosen.append(record)
                self._messages.add(message)
            self._positions.add(record.position)


def select(
    records: Iterable[DeadLetterRecord],
    reason: str,
    since: dt.date | None,
    topics: Topics,
) -> Selection:
    """Which dead letters to send again (see the module's description)."""
    if reason not in DEAD_LETTER_REASONS:
        raise ValueError(f"unknown reason {reason!r}: one of {', '.join(DEAD_LETTER_REASONS)}")
    inbound = {topics.court_events, topics.intake_by_case}
    selection = Selection()
    for record in records:
        selection.take(record, reason, since, inbound)
    return selection


async def read_dead_letters(bootstrap: str, topic: str) -> list[DeadLetterRecord]:
    """Every record of the dead-letter topic up to its end now."""
    return [
        DeadLetterRecord(
            key=record.key or b"",
            value=record.value or b"",
            headers={name: value or b"" for name, value in record.headers},
            timestamp_ms=record.timestamp,
        )
        async for record in read_to_end(
            bootstrap,
            topic,
            max_partition_fetch_bytes=MAX_REQUEST_BYTES,
            fetch_max_bytes=4 * MAX_REQUEST_BYTES,
        )
    ]


async def send_again(bootstrap: str, topic: str, chosen: list[DeadLetterRecord]) -> int:
    """Send each chosen message to `topic`, keyed as its dead letter, saying where it was
    dead-lettered from; the number sent."""
    producer = AIOKafkaProducer(
        bootstrap_servers=bootstrap,
        enable_idempotence=False,
        acks="all",
        max_request_size=MAX_REQUEST_BYTES,
        **client_options(),
    )
    try:
        await producer.start()
        for record in chosen:
            headers = [(REDRIVEN_FROM_HEADER, record.position)]
            await producer.send(topic, key=record.key, value=record.value, headers=headers)
        await producer.flush()
    finally:
        await producer.stop()
    return len(chosen)


async def redrive(
    bootstrap: str, topics: Topics, reason: str, since: dt.date | None, dry_run: bool
) -> tuple[Selection, int]:
    """Read the dead letters, choose, and (unless a dry run) send again; what was chosen and
    how many were sent."""
    records = await read_dead_letters(bootstrap, topics.dead_letter)
    selection = select(records, reason, since, topics)
    sent = 0 if dry_run else await send_again(bootstrap, topics.court_events, selection.chosen)
    return selection, sent


def summary(selection: Selection, sent: int, dry_run: bool, topics: Topics) -> str:
    """One line: what was read, what was (or would be) sent, and why the rest was not."""
    chosen = len(selection.chosen)
    done = f"would send {chosen:,}" if dry_run else f"sent {sent:,}"
    left = [
        (selection.other_reason, "of another reason"),
        (selection.earlier, "written before --since"),
        (selection.not_inbound, "not read from an inbound topic"),
        (selection.truncated, "truncated (their bytes are not all there)"),
        (selection.repeats, "repeats of a dead letter or message already chosen"),
    ]
    skipped = "; ".join(f"{count:,} {why}" for count, why in left if count)
    return (
        f"read {selection.read:,} dead letters from {topics.dead_letter}, {done} to"
        f" {topics.court_events}" + (f"; left {skipped}" if skipped else "")
    )
