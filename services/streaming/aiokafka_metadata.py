"""A work-around for aiokafka (0.14.0) forgetting the topics a producer sends to, which stalls it.

aiokafka's client refreshes metadata for the topics it tracks only, and tracks a topic only when
a send had to wait for that topic's metadata (`AIOKafkaClient._wait_on_metadata`). At start its
bootstrap request returned every topic, so the first topics a worker sends to are known without
being tracked. The first refresh after some other topic becomes tracked (a table's changelog,
created after the producer started, is one) leaves them out: their partitions then have no known
leader. A batch already waiting for one of them is never sent. The sender asks for metadata
again, still for the tracked topics only, and the batch waits until it expires (the producer's
request timeout: 20 minutes under faust), and so does everything awaiting its delivery.

Seen here as a gatekeeping worker that stopped taking messages with no error logged (in about
one end-to-end run in ten). When its stall watchdog ended it, its producer held two batches for the
derived-events topic, with no leader known, while it tracked only the ticks and case-facts
topics.

The fix: every topic a send looks up is tracked from then on, so every refresh keeps it.
`apply()` runs once, before any app starts. Verified on aiokafka 0.14.0; pyproject.toml pins the
minor version. Before raising the pin, re-read `AIOKafkaClient._wait_on_metadata`, `add_topic`
and `_md_synchronizer` in aiokafka/client.py and run
`.venv/bin/pytest tests/faults/test_aiokafka_metadata.py`: one of its tests fails once
aiokafka tracks such topics itself, and this module can then go.
"""

import functools
from typing import Any

from aiokafka.client import AIOKafkaClient


def apply() -> None:
    """Make every topic a send looks up one the client keeps in its metadata refreshes."""
    if hasattr(AIOKafkaClient._wait_on_metadata, "__wrapped__"):
        return
    original = AIOKafkaClient._wait_on_metadata

    @functools.wraps(original)
    async def wait_on_metadata_tracking(self: AIOKafkaClient, topic: str) -> Any:
        # Tracked before the look-up: when the topic is not known yet, the original's own
        # `add_topic` then finds it tracked and its loop still forces the refresh it waits for.
        self._topics.add(topic)
        return await original(self, topic)

    AIOKafkaClient._wait_on_metadata = wait_on_metadata_tracking
