"""A producer keeps the metadata of every topic it sends to, so no batch waits for a leader it has
forgotten (services/streaming/aiokafka_metadata.py). On the embedded broker.

A topic the producer first sends to is known from its bootstrap metadata; another topic, created
later, then makes aiokafka refresh its metadata for the topics it tracks. Without the fix that
refresh drops the first topic, and a batch for it waits with no leader known until it expires.
"""

import asyncio
from collections.abc import Iterator

import pytest
from aiokafka import AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.client import AIOKafkaClient

from services.stack.broker import EmbeddedBroker, free_port
from services.streaming import aiokafka_metadata
from services.streaming.waiting import where_coroutines_wait

pytestmark = pytest.mark.e2e
FIRST, LATER = "derived-events", "cases-changelog"
BATCH_WAIT_SECONDS = 10  # far longer than a delivery on loopback; far shorter than a batch's TTL


@pytest.fixture(scope="module")
def broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with EmbeddedBroker(free_port(), tmp_path_factory.mktemp("broker") / "broker.log") as running:
        yield running.bootstrap


async def create(bootstrap: str, *topics: str) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        await admin.create_topics(
            [NewTopic(t, num_partitions=2, replication_factor=1) for t in topics]
        )
    finally:
        await admin.close()


async def first_topic_after_another_is_added(bootstrap: str, suffix: str) -> AIOKafkaProducer:
    """A started producer that sent to FIRST (known from its bootstrap), then to LATER (created
    after it started, so looked up and tracked, and the metadata refreshed)."""
    first, later = f"{FIRST}-{suffix}", f"{LATER}-{suffix}"
    await create(bootstrap, first)
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, enable_idempotence=False)
    await producer.start()
    await producer.send_and_wait(first, b"before")
    await create(bootstrap, later)
    await producer.send_and_wait(later, b"created after the producer started")
    return producer


async def test_a_topic_sent_to_stays_in_the_producers_metadata(broker: str) -> None:
    # given the fix, and a producer that sent to a topic, then to one created later
    aiokafka_metadata.apply()
    producer = await first_topic_after_another_is_added(broker, "fixed")
    try:
        # then the first keeps its partitions and leaders through the refresh
        cluster = producer.client.cluster
        assert cluster.partitions_for_topic(f"{FIRST}-fixed") == {0, 1}
        leaders = {
            cluster.leader_for_partition(TopicPartition(f"{FIRST}-fixed", p)) for p in (0, 1)
        }
        assert None not in leaders and -1 not in leaders
        # and a batch for it, appended past the look-up as a batch appended before the refresh
        # would be, is delivered at once
        tp = TopicPartition(f"{FIRST}-fixed", 0)
        batch = await producer._message_accumulator.add_message(tp, None, b"after", timeout=1)
        await asyncio.wait_for(batch, BATCH_WAIT_SECONDS)
    finally:
        await producer.stop()


async def test_without_the_fix_aiokafka_forgets_it(
    broker: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """If this fails, aiokafka now keeps such topics itself: see aiokafka_metadata's upgrade
    check; the fix can go."""
    aiokafka_metadata.apply()
    original = AIOKafkaClient._wait_on_metadata.__wrapped__  # type: ignore[attr-defined]
    monkeypatch.setattr(AIOKafkaClient, "_wait_on_metadata", original)
    producer = await first_topic_after_another_is_added(broker, "unfixed")
    try:
        assert producer.client.cluster.partitions_for_topic(f"{FIRST}-unfixed") is None
        # and a batch for it appended before the refresh (here, after it, past the look-up) is
        # never sent: the stall, as the watchdog's dump shows it
        tp = TopicPartition(f"{FIRST}-unfixed", 0)
        batch = await producer._message_accumulator.add_message(tp, None, b"held", timeout=1)
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(asyncio.shield(batch), BATCH_WAIT_SECONDS)
        held = f"producer holds 1 batches for {FIRST}-unfixed/0 (leader unknown)"
        assert held in where_coroutines_wait()
    finally:
        producer._message_accumulator.fail_all(RuntimeError("the test is over"))
        await producer.stop()
