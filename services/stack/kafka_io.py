"""Publishing a JSON Lines log to the inbound topic, and exporting the canonical log back to one."""

import asyncio
import gzip
import threading
from collections.abc import AsyncIterator, Iterable, Iterator
from pathlib import Path
from typing import IO, Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord, TopicPartition

from services.core.routing import case_key
from services.streaming.kafka_security import client_options

_FLUSH_EVERY = 1000


def read_lines(path: Path) -> Iterator[bytes]:
    """The lines of a .jsonl or .jsonl.gz file, without their line ends; blank lines kept."""
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as log:
        for line in log:
            yield line.rstrip(b"\r\n")


async def publish_lines(
    bootstrap: str,
    topic: str,
    lines: Iterable[bytes],
    per_second: float | None = None,
    stop: threading.Event | None = None,
) -> int:
    """Send each line keyed by its case reference, optionally paced, until `stop` is set."""
    producer = AIOKafkaProducer(
        bootstrap_servers=bootstrap, enable_idempotence=False, acks="all", **client_options()
    )
    await producer.start()
    sent = 0
    try:
        for line in lines:
            if stop is not None and stop.is_set():
                break
            await producer.send(topic, key=case_key(line), value=line)
            sent += 1
            if per_second:
                await asyncio.sleep(1 / per_second)
            elif sent % _FLUSH_EVERY == 0:
                await producer.flush()
        await producer.flush()
    finally:
        await producer.stop()
    return sent


async def read_to_end(
    bootstrap: str, topic: str, **consumer_options: Any
) -> AsyncIterator[ConsumerRecord[bytes, bytes]]:
    """Every record of the topic from its beginning up to its end now, partition by partition
    as fetched.

    The end of each partition is the high-water mark that comes back with fetched records: the
    embedded broker answers list-offsets requests with wrong end offsets.
    """
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap, enable_auto_commit=False, auto_offset_reset="earliest",
        **consumer_options, **client_options(),
    )  # fmt: skip
    await consumer.start()
    try:
        await consumer.topics()  # fetches the metadata partitions_for_topic reads
        partitions = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or ()]
        if not partitions:
            raise ValueError(f"topic {topic} does not exist on {bootstrap}")
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        remaining = set(partitions)
        while remaining:
            batch = await consumer.getmany(*remaining, timeout_ms=1000)
            for records in batch.values():
                for record in records:
                    yield record
            for tp in list(remaining):
                end = consumer.highwater(tp)
                if end is not None and await consumer.position(tp) >= end:
                    remaining.discard(tp)
    finally:
        await consumer.stop()


async def export_log(bootstrap: str, topic: str, out: IO[bytes]) -> int:
    """Write every record of the topic, up to its end now, as JSON Lines; the number written."""
    written = 0
    async for record in read_to_end(bootstrap, topic):
        out.write((record.value or b"") + b"\n")
        written += 1
    return written
