"""Clock ticks: every worker's clock report, sent into every partition of a keyed topic.

A table may only be written while handling a message of the partition that owns the key, so
time-driven work (expiring held messages, raising deadline alerts) is done on a tick that arrives
in each partition, after everything published to that partition before it. A worker does that
work on its own ticks, with the date the tick carries; other workers' ticks tell it how far their
partitions have got. The work is idempotent, so a tick handled twice changes nothing.
"""

from collections.abc import Callable, Iterable, Mapping

from faust.types import TopicT

from services.streaming.clock import ClockReport, decode_report, encode_report

TICK_HEADER = "pathfinder-tick"


async def send_ticks(topic: TopicT, partitions: int, report: ClockReport) -> None:
    """The report into every partition of the topic."""
    value = encode_report(report)
    for partition in range(partitions):
        await topic.send(key=b"", value=value, partition=partition, headers={TICK_HEADER: b"1"})


def tick_report(headers: Mapping[str, bytes], value: bytes) -> ClockReport | None:
    """The clock report a tick carries, or None when the message is not a tick."""
    return decode_report(value) if TICK_HEADER in headers else None


class PartitionIndex:
    """Keys that need time-driven work, by the partition that owns them.

    A partition's keys are read from the table the first time a tick reaches it after it was
    assigned to this worker (its table is recovered by then), and dropped when it is revoked.
    """

    def __init__(self) -> None:
        self._keys: dict[int, set[bytes]] = {}

    def mark(self, partition: int, key: bytes, wanted: bool) -> None:
        """Record whether the key needs work on ticks (only for partitions already indexed)."""
        keys = self._keys.get(partition)
        if keys is None:
            return
        if wanted:
            keys.add(key)
        else:
            keys.discard(key)

    def keys(
        self, partition: int, entries: Callable[[int], Iterable[tuple[bytes, bool]]]
    ) -> list[bytes]:
        """A snapshot of the partition's keys; indexed from `entries(partition)` if it is new."""
        keys = self._keys.get(partition)
        if keys is None:
            keys = self._keys[partition] = {key for key, wanted in entries(partition) if wanted}
        return list(keys)

    def indexed_keys(self, partitions: Iterable[int]) -> list[bytes]:
        """The keys of those of the partitions that are indexed."""
        return [key for partition in partitions for key in self._keys.get(partition, ())]

    def drop(self, partitions: Iterable[int]) -> None:
        """Forget revoked partitions; they are indexed afresh if they come back."""
        for partition in partitions:
            self._keys.pop(partition, None)

    def __len__(self) -> int:
        return sum(len(keys) for keys in self._keys.values())
