"""Messages handled a batch at a time: every output sent at once, each table entry written once.

Handling a message one at a time costs, per message, a broker round trip (its outputs awaited
before its table entry is written) and a changelog record for each entry it changes. A batch
keeps both rules that make redelivery safe (outputs acknowledged before the state recording
them; nothing acknowledged to the consumer before both) while paying them once per batch:

- a handler reads a table through the batch, which answers with what earlier messages of the
  batch wrote, so the messages of a case are applied in order on top of each other;
- what a handler sends is awaited only when the batch commits, all together;
- each table entry the batch changed is then written once, with its newest value, while faust
  takes the message that last changed it as the one being handled (a table entry belongs to the
  partition of the message it is written for: faust sends it to that changelog partition);
- faust acknowledges the batch's messages to the consumer only after the handler has committed
  (`Stream.take_events`).

Making a message the one being handled sets faust's `current_event` context variable
(faust/streams.py, `_current_event`), as faust's own stream iteration does. Verified on
faust-streaming 0.15.3; before raising the pin, check that `Table.on_key_set` still finds the
partition through `faust.streams.current_event()` and run `.venv/bin/pytest
tests/agents/test_batches.py`.
"""

import asyncio
import weakref
from collections.abc import Awaitable, Iterable, Iterator, MutableMapping
from contextlib import contextmanager
from typing import Any

from faust.streams import _current_event
from faust.types import EventT


@contextmanager
def handling(event: EventT[Any]) -> Iterator[None]:
    """Make `event` the message faust takes as being handled (for table writes)."""
    token = _current_event.set(weakref.ref(event))
    try:
        yield
    finally:
        _current_event.reset(token)


class Batch:
    """The table entries a batch has changed and the deliveries it awaits, until it commits."""

    def __init__(self) -> None:
        self._entries: dict[
            tuple[int, bytes], tuple[MutableMapping[bytes, Any], bytes, EventT[Any]]
        ] = {}
        self._deliveries: list[Awaitable[Any]] = []

    def read(self, table: MutableMapping[bytes, Any], key: bytes) -> Any:
        """The entry as the batch has left it so far."""
        written = self._entries.get((id(table), key))
        return written[1] if written is not None else table.get(key)

    def write(
        self, table: MutableMapping[bytes, Any], key: bytes, value: bytes, event: EventT[Any]
    ) -> None:
        """Set the entry when the batch commits, as the result of handling `event`."""
        self._entries.pop((id(table), key), None)  # written in the order last changed
        self._entries[(id(table), key)] = (table, value, event)

    def awaits(self, deliveries: Iterable[Awaitable[Any]]) -> None:
        """Deliveries to be acknowledged before any entry is written."""
        self._deliveries.extend(deliveries)

    async def commit(self) -> None:
        """Wait for every delivery, then write every changed entry; the batch is empty after."""
        deliveries, self._deliveries = self._deliveries, []
        pending = [delivery for delivery in deliveries if not _acknowledged(delivery)]
        if pending:
            await asyncio.gather(*pending)
        entries, self._entries = self._entries, {}
        for (_, key), (table, value, event) in entries.items():
            with handling(event):
                table[key] = value


def _acknowledged(delivery: Awaitable[Any]) -> bool:
    if not isinstance(delivery, asyncio.Future) or not delivery.done():
        return False
    return not delivery.cancelled() and delivery.exception() is None
