"""A worker's backlog per partition: what the event clock needs to tell quiet from behind."""

import asyncio

from faust.types import TP

from services.streaming.backlog import Backlog

TOPIC = "case-events"


class FakeConsumer:
    """High watermarks and read positions as a consumer reports them; None when not known."""

    def __init__(self, ends: dict[int, int | None], positions: dict[int, int]) -> None:
        self.ends = ends
        self.positions = positions

    def highwater(self, tp: TP) -> int | None:
        return self.ends[tp.partition]

    async def position(self, tp: TP) -> int:
        if tp.partition not in self.positions:
            raise AssertionError("Partition is not assigned")
        return self.positions[tp.partition]


def behind(backlog: Backlog, consumer: FakeConsumer) -> set[int]:
    return asyncio.run(backlog.behind(consumer, set(consumer.ends)))


def test_a_partition_is_behind_until_its_last_message_is_taken():
    backlog = Backlog(TOPIC)
    consumer = FakeConsumer({0: 10, 1: 5}, {0: 10, 1: 5})
    backlog.took(TOPIC, 0, 8)
    backlog.took(TOPIC, 1, 4)
    backlog.took("another topic", 0, 100)
    assert behind(backlog, consumer) == {0}
    backlog.took(TOPIC, 0, 9)
    assert behind(backlog, consumer) == set()


def test_a_partition_nothing_was_taken_from_is_judged_by_where_the_consumer_reads():
    # given partitions just assigned: one with nothing new, one with messages, one not fetched
    # yet, and one the consumer cannot place yet
    consumer = FakeConsumer({0: 7, 1: 9, 2: None, 3: 4}, {0: 7, 1: 3, 2: 0})
    assert behind(Backlog(TOPIC), consumer) == {1, 2, 3}


def test_a_forgotten_partition_is_judged_afresh_and_an_offset_taken_twice_never_goes_back():
    backlog = Backlog(TOPIC)
    backlog.took(TOPIC, 0, 9)
    backlog.took(TOPIC, 0, 3)  # redelivered after a rebalance
    assert behind(backlog, FakeConsumer({0: 10}, {0: 0})) == set()
    backlog.forget({0})
    assert behind(backlog, FakeConsumer({0: 10}, {0: 0})) == {0}
