"""Dead letters: refused or failed messages, byte for byte, with why and where they came from.

The headers name the reason, a detail that names the field and rule but never a value, the worker
that refused it, and the source topic, partition and offset: the source position identifies a
dead letter however often it is sent, so it is counted once. A dead letter that would exceed the
message limit keeps as many leading bytes as fit, with a header giving the original length.
"""

from collections.abc import Awaitable
from typing import Any, NamedTuple

from faust.types import TopicT
from prometheus_client import CollectorRegistry, Counter

from services.core.routing import MAX_KEY_BYTES
from services.core.validation import Rejection

# Value and headers of a dead letter: under Kafka's default 1 MiB message limit, with room for
# the record's key and framing.
DEAD_LETTER_LIMIT = 1_000_000
TRUNCATED_HEADER = "truncated-from-bytes"


class Position(NamedTuple):
    """Where a message was read: what identifies it however often it is delivered."""

    topic: str
    partition: int
    offset: int

    def encode(self) -> bytes:
        return f"{self.topic}/{self.partition}/{self.offset}".encode()

    @classmethod
    def decode(cls, text: bytes) -> "Position":
        topic, partition, offset = text.decode().rsplit("/", 2)
        return cls(topic, int(partition), int(offset))


def dead_letter(
    raw: bytes, rejection: Rejection, source: Position, worker: str
) -> tuple[bytes, dict[str, bytes]]:
    """The dead letter's value and headers, truncated to the limit if need be."""
    headers = {
        "reason": rejection.reason.encode(),
        "detail": rejection.detail.encode(),
        "worker": worker.encode(),
        "source-topic": source.topic.encode(),
        "source-partition": str(source.partition).encode(),
        "source-offset": str(source.offset).encode(),
    }
    room = DEAD_LETTER_LIMIT - sum(len(name) + len(value) for name, value in headers.items())
    if len(raw) <= room:
        return raw, headers
    headers[TRUNCATED_HEADER] = str(len(raw)).encode()
    return raw[: room - len(TRUNCATED_HEADER) - 20], headers


class DeadLetters:
    """Sends dead letters for one worker and counts what it sent, by reason."""

    def __init__(self, topic: TopicT, worker: str, registry: CollectorRegistry):
        self._topic = topic
        self._worker = worker
        self.sent = Counter(
            "pathfinder_dead_letters_sent",
            "Dead letters sent by a worker, by reason; a redelivered message may be sent again "
            "(pathfinder_dead_lettered_total counts each once).",
            ["service", "reason"],
            registry=registry,
        )

    async def send(
        self, key: bytes, raw: bytes, rejection: Rejection, source: Position
    ) -> Awaitable[Any]:
        """Dead-letter `raw`, keyed like the case it belongs to (b"" when it has none); the
        acknowledgement to await."""
        value, headers = dead_letter(raw, rejection, source, self._worker)
        key = key if len(key) <= MAX_KEY_BYTES else b""  # a publisher's key can be anything
        delivery = await self._topic.send(key=key, value=value, headers=headers)
        self.sent.labels(self._worker, rejection.reason).inc()
        return delivery
