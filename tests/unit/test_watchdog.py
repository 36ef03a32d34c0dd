"""A stuck worker ends itself, and only then: a rebalance past its limit, or a partition with
messages waiting and no offset committed past the stall limit."""

import asyncio
import logging
from types import SimpleNamespace

import pytest
from faust.types import TP

from services.streaming.waiting import where_coroutines_wait
from services.streaming.watchdog import EXIT_STUCK, ProgressWatch, RebalanceWatch, Watchdog

EVENTS, TICKS, CHANGELOG = "pf.case-events.v1", "pf-gatekeeping-ticks", "pf-cases-changelog"


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_rebalance_past_the_limit_ends_the_worker_and_a_finished_one_resets_the_watch():
    # given a worker in a rebalance, watched with a 60 s limit
    app, clock, ended = SimpleNamespace(rebalancing=True), Clock(), []
    watchdog = Watchdog([RebalanceWatch(app, 60.0, now=clock)], end=ended.append)
    watchdog.check()
    # when the rebalance ends within the limit, and a later one lasts past it
    clock.now += 59
    watchdog.check()
    app.rebalancing = False
    watchdog.check()
    app.rebalancing = True
    clock.now += 30
    watchdog.check()
    assert ended == [] and watchdog.why_stuck() is None
    clock.now += 61
    # then it is stuck, and ends the process with the code for "try again"
    assert watchdog.why_stuck() == "stuck in a rebalance for over 60 s"
    watchdog.check()
    assert ended == [EXIT_STUCK]


class ConsumingApp:
    """What the progress watch reads of a faust app: its assignment, the topics its agents
    acknowledge, and faust's monitor of fetched ends and committed offsets."""

    def __init__(self, *assigned: TP) -> None:
        self.rebalancing = False
        self.assigned = set(assigned)
        self.consumer = SimpleNamespace(assignment=lambda: set(self.assigned))
        self.topics = SimpleNamespace(acks_enabled_for=lambda topic: topic in (EVENTS, TICKS))
        self.monitor = SimpleNamespace(tp_end_offsets={}, tp_committed_offsets={})

    def fetched(self, tp: TP, end: int) -> None:
        self.monitor.tp_end_offsets[tp] = end

    def committed(self, tp: TP, offset: int) -> None:
        self.monitor.tp_committed_offsets[tp] = offset


@pytest.fixture
def clock() -> Clock:
    return Clock()


def test_messages_waiting_with_no_commit_past_the_limit_is_a_stall_naming_the_partition(clock):
    # given a partition with 10 messages fetched and 3 handled
    events = TP(EVENTS, 2)
    app = ConsumingApp(events, TP(EVENTS, 0))
    watch = ProgressWatch(app, 120.0, now=clock)
    app.fetched(events, 10)
    app.committed(events, 2)
    # when nothing more is committed for 120 s, then for over 120 s
    assert watch.why_stuck() is None
    clock.now += 120
    assert watch.why_stuck() is None
    clock.now += 1
    # then it is stuck on that partition alone
    assert watch.why_stuck() == (f"messages waiting and none handled for over 120 s on {EVENTS}/2")


def test_each_commit_starts_the_watch_again(clock):
    # given a partition slowly worked through, one commit every 100 s
    events = TP(EVENTS, 1)
    app = ConsumingApp(events)
    watch = ProgressWatch(app, 120.0, now=clock)
    app.fetched(events, 1_000)
    for offset in range(5):
        app.committed(events, offset)
        assert watch.why_stuck() is None
        clock.now += 100
    # then it is never stuck, though it took 500 s in all
    assert watch.why_stuck() is None


def test_a_worker_that_never_committed_with_messages_waiting_stalls_too(clock):
    events = TP(EVENTS, 3)
    app = ConsumingApp(events)
    watch = ProgressWatch(app, 30.0, now=clock)
    app.fetched(events, 4)
    assert watch.why_stuck() is None
    clock.now += 31
    assert watch.why_stuck() is not None


def test_an_idle_worker_is_never_stuck(clock):
    # given every fetched message handled, and partitions never fetched from
    events, quiet = TP(EVENTS, 0), TP(EVENTS, 1)
    app = ConsumingApp(events, quiet)
    watch = ProgressWatch(app, 30.0, now=clock)
    app.fetched(events, 8)
    app.committed(events, 7)
    for _ in range(10):
        clock.now += 60
        assert watch.why_stuck() is None


def test_a_rebalance_and_a_revoked_partition_start_the_watch_again(clock):
    # given a partition with messages waiting for 100 s of a 120 s limit
    events = TP(EVENTS, 0)
    app = ConsumingApp(events)
    watch = ProgressWatch(app, 120.0, now=clock)
    app.fetched(events, 10)
    watch.why_stuck()
    clock.now += 100
    # when a rebalance (its recovery included) takes 100 s more
    app.rebalancing = True
    assert watch.why_stuck() is None
    clock.now += 100
    app.rebalancing = False
    # then the watch starts after it
    assert watch.why_stuck() is None
    clock.now += 100
    assert watch.why_stuck() is None
    # and a partition taken away and given back later starts afresh, its old figures kept by
    # faust's monitor notwithstanding
    app.assigned = set()
    assert watch.why_stuck() is None
    clock.now += 200
    app.assigned = {events}
    assert watch.why_stuck() is None
    clock.now += 100
    assert watch.why_stuck() is None
    clock.now += 21
    assert watch.why_stuck() is not None


def test_only_partitions_the_agents_acknowledge_are_watched(clock):
    # given a table's changelog partition read by the same consumer (never committed)
    changelog, ticks = TP(CHANGELOG, 0), TP(TICKS, 0)
    app = ConsumingApp(changelog, ticks)
    watch = ProgressWatch(app, 30.0, now=clock)
    app.fetched(changelog, 500)
    watch.why_stuck()
    clock.now += 31
    assert watch.why_stuck() is None
    # while the agents' own topics, ticks among them, are
    app.fetched(ticks, 3)
    watch.why_stuck()
    clock.now += 31
    assert watch.why_stuck() == f"messages waiting and none handled for over 30 s on {TICKS}/0"


def test_a_stuck_worker_logs_why_and_where_it_waits_then_ends(clock, caplog):
    events = TP(EVENTS, 0)
    app = ConsumingApp(events)
    ended: list[int] = []
    watchdog = Watchdog(
        [RebalanceWatch(app, 60.0, now=clock), ProgressWatch(app, 30.0, now=clock)],
        end=ended.append,
        waiting=lambda: ["task agent: worker.py:10 handle > batches.py:20 commit > Future"],
    )
    app.fetched(events, 2)
    watchdog.check()
    clock.now += 31
    with caplog.at_level(logging.CRITICAL):
        watchdog.check()
    assert ended == [EXIT_STUCK]
    [record] = caplog.records
    assert f"none handled for over 30 s on {EVENTS}/0" in record.getMessage()
    assert "batches.py:20 commit > Future" in record.getMessage()


async def test_where_coroutines_wait_follows_awaits_through_an_async_for():
    # given a task awaiting, through an async generator, a future nothing resolves
    never = asyncio.get_running_loop().create_future()

    async def innermost() -> None:
        await never

    async def batches():
        await innermost()
        yield 1

    async def agent() -> None:
        async for _ in batches():
            pass

    task = asyncio.create_task(agent(), name="the-agent")
    await asyncio.sleep(0)
    try:
        lines = where_coroutines_wait()
    finally:
        task.cancel()
    # then the task shows where it waits, and the generator where the wait really is
    [agent_line] = [line for line in lines if line.startswith("task the-agent:")]
    assert " agent" in agent_line
    [generator_line] = [line for line in lines if " batches >" in line]
    assert generator_line.endswith(" innermost > Future")
    assert generator_line.startswith("async generator: tests/unit/test_watchdog.py:")
