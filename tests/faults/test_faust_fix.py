"""faust skips no input record: not around its recovery's seek, not when it drops a fetched batch.

faust-streaming issue #596: faust's recovery resumes the input partitions before it seeks them;
records fetched in between are lost. Here the recovery steps run against a consumer whose seeks
the test holds open, while a competing seek runs as faust's fetcher would start one. And faust's
`getmany` drops records already fetched when the flow stops mid-batch: a consumer that delivers
only part of what it fetched shows each partition sought back to its first record not delivered.
"""

import asyncio
import logging
from collections import defaultdict
from collections.abc import Awaitable
from types import SimpleNamespace
from typing import Any

import pytest
from faust.tables.recovery import Recovery
from faust.transport.consumer import Consumer
from faust.types import TP
from mode.utils.logging import CompositeLogger

from services.streaming import faust_fix

INPUTS = frozenset({TP("court-events", 0), TP("court-events", 1)})
CHANGELOG = TP("app-cases-changelog", 0)


class HeldSeekConsumer(Consumer):
    """faust's consumer with no transport: a rebalance has paused its partitions; it records
    what is resumed while the first seek, the recovery's, is held open by the test."""

    def __init__(self, assigned: frozenset[TP]) -> None:
        self.assigned = assigned
        self._active_partitions: set[TP] = set()
        self._paused_partitions: set[TP] = set(assigned)
        self._read_offset: defaultdict[TP, int | None] = defaultdict(lambda: None)
        self._committed_offset: defaultdict[TP, int | None] = defaultdict(lambda: None)
        self.flow_active = False
        self.can_resume_flow = asyncio.Event()
        self.suspend_flow = asyncio.Event()
        self.recovery_seek_started = asyncio.Event()
        self.recovery_seek_may_finish = asyncio.Event()
        self.recovery_seek_fails = False
        self.seeks = 0
        self.resumed_while_recovery_seek_ran: set[TP] = set()

    def resumed(self) -> set[TP]:
        return set(self.assigned - self._paused_partitions)

    def assignment(self) -> set[TP]:
        return set(self.assigned)

    async def seek_to_committed(self) -> dict[TP, int]:
        self.seeks += 1
        if self.seeks == 1:
            self.recovery_seek_started.set()
            await self.recovery_seek_may_finish.wait()
            self.resumed_while_recovery_seek_ran |= self.resumed()
            if self.recovery_seek_fails:
                raise ConnectionError("the broker went away during the seek")
        return dict.fromkeys(self.assigned, 5)


# The recovery steps call only assignment() and seek_to_committed() of the methods a transport
# implements; a consumer with no transport has nothing to give for the others.
HeldSeekConsumer.__abstractmethods__ = frozenset()


async def _nothing(*args: Any) -> None:
    return None


class FakeRecovery:
    """What Recovery's two completing steps read from `self`, for an app with no table data."""

    _set_recovery_ended = Recovery._set_recovery_ended

    def __init__(self, consumer: HeldSeekConsumer) -> None:
        self.app = SimpleNamespace(
            consumer=consumer,
            consumer_generation_id=1,
            in_recovery=True,
            conf=SimpleNamespace(broker_request_timeout=10.0),
            flow_control=SimpleNamespace(resume=lambda: None),
            on_rebalance_complete=SimpleNamespace(send=_nothing),
            _fetcher=SimpleNamespace(maybe_start=_nothing),
            assignor=SimpleNamespace(assigned_standbys=set),
            on_rebalance_end=lambda: None,
        )
        self.tables = SimpleNamespace(
            values=list,
            changelog_topics={CHANGELOG.topic},
            on_actives_ready=lambda: None,
            on_standbys_ready=lambda: None,
        )
        self.log = CompositeLogger(logging.getLogger(__name__), formatter=None)
        self.completed = asyncio.Event()
        self.actives_for_table: dict[Any, set[TP]] = {}
        self.standbys_for_table: dict[Any, set[TP]] = {}
        self._active_events_received_at: dict[TP, float] = {}
        self._standby_events_received_at: dict[TP, float] = {}
        self._processing_times: list[float] = []

    def _is_changelog_tp(self, tp: TP) -> bool:
        return tp.topic in self.tables.changelog_topics

    async def _wait(self, coro: Awaitable[Any], timeout: float | None = None) -> None:
        # Recovery._wait runs the awaited step in a task of its own, as this does.
        await asyncio.wait_for(coro, timeout)


# By name: the methods are looked up once the fix has patched them.
RECOVERY_STEPS = ["on_recovery_completed", "_resume_streams"]


@pytest.fixture(autouse=True)
def the_fix_applied() -> None:
    faust_fix.apply()


def _running(step: str) -> tuple[HeldSeekConsumer, FakeRecovery, asyncio.Task[None]]:
    """A recovery step of generation 1 started on a consumer whose first seek is held open."""
    consumer = HeldSeekConsumer(INPUTS | {CHANGELOG})
    recovery = FakeRecovery(consumer)
    return consumer, recovery, asyncio.create_task(getattr(Recovery, step)(recovery, 1))


@pytest.mark.parametrize("step", RECOVERY_STEPS)
async def test_no_partition_resumes_before_the_recoverys_own_seek_despite_a_competing_seek(
    step: str,
) -> None:
    # given a recovery step waiting on its seek to the committed offsets
    consumer, _, running = _running(step)
    await consumer.recovery_seek_started.wait()
    # when the fetcher seeks meanwhile (getmany does when flow is not active) and completes
    await consumer.perform_seek()
    resumed_after_the_competing_seek = consumer.resumed()
    consumer.recovery_seek_may_finish.set()
    await running
    # then nothing was resumed until the recovery's seek completed; the inputs were after it
    assert resumed_after_the_competing_seek == set()
    assert consumer.resumed_while_recovery_seek_ran == set()
    assert consumer.resumed() == INPUTS


@pytest.mark.parametrize("step", RECOVERY_STEPS)
async def test_a_failed_recovery_seek_leaves_the_partitions_paused(
    step: str,
) -> None:
    consumer, _, running = _running(step)
    await consumer.recovery_seek_started.wait()
    consumer.recovery_seek_fails = True
    consumer.recovery_seek_may_finish.set()
    with pytest.raises(ConnectionError):
        await running
    assert consumer.resumed() == set()


@pytest.mark.parametrize("step", RECOVERY_STEPS)
async def test_a_rebalance_during_the_recovery_step_leaves_the_partitions_to_the_next_one(
    step: str,
) -> None:
    consumer, recovery, running = _running(step)
    await consumer.recovery_seek_started.wait()
    recovery.app.consumer_generation_id = 2
    consumer.recovery_seek_may_finish.set()
    await running
    assert consumer.resumed() == set()


async def test_a_resume_outside_a_recovery_step_is_not_held() -> None:
    consumer = HeldSeekConsumer(INPUTS)
    consumer.resume_partitions(INPUTS)
    assert consumer.resumed() == INPUTS


class DroppingConsumer:
    """A consumer whose `getmany`, like faust's when the flow stops mid-batch, delivers only the
    first records it fetched; the client's position has moved past all of them."""

    def __init__(self, fetched: dict[TP, list[int]], delivered: int) -> None:
        self.fetched = {
            tp: [SimpleNamespace(offset=o) for o in offsets] for tp, offsets in fetched.items()
        }
        self.delivered = delivered
        self.seeks: list[tuple[TP, int]] = []

    async def _wait_next_records(self, timeout: float) -> Any:
        return self.fetched, None

    async def getmany(self, timeout: float) -> Any:
        records, _ = await self._wait_next_records(timeout)
        batch = [(tp, record) for tp, rs in records.items() for record in rs]
        for tp, record in batch[: self.delivered]:
            yield tp, SimpleNamespace(offset=record.offset, topic=tp.topic)

    async def seek(self, partition: TP, offset: int) -> None:
        if partition.partition == 9:
            raise AssertionError("Partition is not assigned")
        self.seeks.append((partition, offset))


faust_fix._redeliver_what_was_not_delivered(DroppingConsumer)


def test_records_fetched_and_not_delivered_are_read_again_gaps_or_not():
    # given a compacted partition (offsets 3, 7, 8) and another, of which only 3 and 7 and the
    # other's first record are delivered before the flow stops
    first, second = sorted(INPUTS)
    gone = TP("court-events", 9)  # revoked meanwhile
    consumer = DroppingConsumer({first: [3, 7, 8], second: [20, 21], gone: [5]}, delivered=2)

    async def run() -> list[int]:
        return [message.offset async for _, message in consumer.getmany(1.0)]

    # then each partition is sought back to its first record not delivered
    assert asyncio.run(run()) == [3, 7]
    assert consumer.seeks == [(first, 8), (second, 20)]
