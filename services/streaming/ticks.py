"""Clock ticks: the business date sent to every partition of a keyed topic.

A table may only be written while handling a message of the partition that owns the key, so
time-driven work (expiring held messages, raising deadline alerts) is done on a tick message
that arrives in each partition. Ticks are idempotent: the work they trigger is.
"""

import datetime as dt
from collections.abc import Callable, Iterable, Mapping

import faust

TICK_HEADER = "tick"


async def send_ticks(topic: faust.types.TopicT, partitions: int, today: dt.date) -> None:
    """One tick carrying `today` into every partition of the topic."""
    headers = {TICK_HEADER: today.isoformat().encode()}
    for partition in range(partitions):
        await topic.send(key=b"", value=b"", partition=partition, headers=headers)


def tick_date(headers: Mapping[str, bytes]) -> dt.date | None:
    """The date a tick carries, or None when the message is not a tick."""
    value = headers.get(TICK_HEADER)
    return dt.date.fromisoformat(value.decode()) if value is not None else None


class PartitionIndex:
    """Keys that need time-driven work, by the partition that owns them."""

    def __init__(self) -> None:
        self._keys: dict[int, set[bytes]] = {}
        self.rebuilt = False  # after a restart the index is rebuilt once from the table

    def mark(self, partition: int, key: bytes, wanted: bool) -> None:
        """Record whether the key needs work on ticks."""
        if wanted:
            self._keys.setdefault(partition, set()).add(key)
        else:
            self._keys.get(partition, set()).discard(key)

    def rebuild_once(self, entries: Callable[[], Iterable[tuple[int, bytes, bool]]]) -> None:
        """After a restart, mark every (partition, key, wanted) the table holds, once."""
        if self.rebuilt:
            return
        for partition, key, wanted in entries():
            self.mark(partition, key, wanted)
        self.rebuilt = True

    def keys(self, partition: int) -> Iterable[bytes]:
        """A snapshot of the partition's keys."""
        return list(self._keys.get(partition, ()))

    def __len__(self) -> int:
        return sum(len(keys) for keys in self._keys.values())
