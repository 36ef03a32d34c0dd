"""Which partitions of a topic a worker is behind on: messages on the broker it has not yet taken.

The event clock counts a quiet partition as idle only when nothing is waiting on it, so a worker
measures, on every tick, each owned partition's high watermark (the consumer's, from its last
fetch) against the next offset it will take.
"""

import asyncio
from typing import Any

from faust.types import TP

POSITION_TIMEOUT_SECONDS = 1.0


class Backlog:
    """The next offset to take per partition of one topic, and which partitions are behind."""

    def __init__(self, topic: str) -> None:
        self.topic = topic
        self._next: dict[int, int] = {}  # partition -> offset after the last message taken

    def took(self, topic: str, partition: int, offset: int) -> None:
        """A message of `topic` has been taken (handled, or dead-lettered)."""
        if topic == self.topic:
            self._next[partition] = max(offset + 1, self._next.get(partition, 0))

    def forget(self, partitions: set[int]) -> None:
        for partition in partitions:
            self._next.pop(partition, None)

    async def behind(self, consumer: Any, partitions: set[int]) -> set[int]:
        """Those of `partitions` with messages not yet taken, or whose backlog is not known yet."""
        return {
            partition
            for partition in partitions
            if not await self._caught_up(consumer, TP(self.topic, partition))
        }

    async def _caught_up(self, consumer: Any, tp: TP) -> bool:
        try:
            end = consumer.highwater(tp)
            taken = self._next.get(tp.partition)
            if end is not None and taken is None:
                # nothing taken since it was assigned: where the consumer reads from
                taken = await asyncio.wait_for(consumer.position(tp), POSITION_TIMEOUT_SECONDS)
        except Exception:  # not ready: being assigned or recovered, or the answer timed out
            return False
        return end is not None and taken is not None and taken >= end
