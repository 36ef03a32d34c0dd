"""A batch writes each table entry once, for the message that last changed it, and only after
every delivery it awaits has been acknowledged."""

import asyncio
from types import SimpleNamespace
from typing import Any

import faust
import pytest

from services.streaming.batches import Batch


class Event:
    """What faust's table reads of the message being handled."""

    def __init__(self, partition: int, offset: int) -> None:
        self.message = SimpleNamespace(topic="in", partition=partition, offset=offset)


event = Event


@pytest.fixture
def table(tmp_path: Any) -> Any:
    app = faust.App("batch-test", store="memory://", datadir=str(tmp_path))
    table = app.Table("entries", key_type=bytes, value_type=bytes, default=None)
    table.changelog_writes = []

    def record(partition: int, key: bytes, value: bytes, *args: Any) -> Any:
        table.changelog_writes.append((partition, key, value))
        return SimpleNamespace(message=SimpleNamespace(partition=partition))

    table.send_changelog = record
    table._verify_source_topic_partitions = lambda topic: None
    return table


async def test_each_entry_is_written_once_with_its_newest_value_for_its_last_message(table):
    # given a batch in which one case is changed twice and another once
    batch = Batch()
    batch.write(table, b"PF-1", b"first", event(2, 10))
    assert batch.read(table, b"PF-1") == b"first"  # later messages build on it
    batch.write(table, b"PF-2", b"only", event(1, 4))
    batch.write(table, b"PF-1", b"second", event(2, 11))
    # when it commits
    assert table.changelog_writes == []
    await batch.commit()
    # then one changelog record per entry, in its message's partition, the newest value last
    assert table.changelog_writes == [(1, b"PF-2", b"only"), (2, b"PF-1", b"second")]
    assert table[b"PF-1"] == b"second" and batch.read(table, b"PF-1") == b"second"


async def test_nothing_is_written_before_every_delivery_is_acknowledged(table):
    batch = Batch()
    delivery = asyncio.get_running_loop().create_future()
    batch.awaits([delivery])
    batch.write(table, b"PF-1", b"applied", event(0, 1))
    committing = asyncio.create_task(batch.commit())
    await asyncio.sleep(0.01)
    assert not committing.done() and table.changelog_writes == []
    delivery.set_result(None)
    await committing
    assert table.changelog_writes == [(0, b"PF-1", b"applied")]


async def test_a_failed_delivery_fails_the_commit_and_writes_nothing(table):
    batch = Batch()
    delivery = asyncio.get_running_loop().create_future()
    delivery.set_exception(ConnectionError("broker gone"))
    batch.awaits([delivery])
    batch.write(table, b"PF-1", b"applied", event(0, 1))
    with pytest.raises(ConnectionError):
        await batch.commit()
    assert table.changelog_writes == [] and table.get(b"PF-1") is None
