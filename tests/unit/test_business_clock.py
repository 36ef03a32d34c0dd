"""The business clock: fair to every partition under the event clock, London's date on the wall."""

import datetime as dt

from services.core.clock import Watermark, fair_today, hold_expired
from services.streaming.clock import BusinessClock, ClockReport, PartitionMark, london_today

D = dt.date
IDLE_SECONDS = 10.0


class FakeTime:
    """Monotonic seconds that a test moves on."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def event_clock(time: FakeTime, worker: str = "me") -> BusinessClock:
    return BusinessClock("event", worker, IDLE_SECONDS, now=time)


def test_today_is_the_slowest_partition_with_traffic():
    marks = [Watermark(D(2025, 3, 1), False), Watermark(D(2025, 1, 6), False)]
    assert fair_today(marks, None) == D(2025, 1, 6)


def test_an_idle_partition_follows_the_others_and_all_idle_means_the_furthest():
    busy_and_idle = [Watermark(D(2025, 3, 1), False), Watermark(D(2025, 1, 6), True)]
    all_idle = [Watermark(D(2025, 3, 1), True), Watermark(D(2025, 1, 6), True)]
    assert fair_today(busy_and_idle, None) == D(2025, 3, 1)
    assert fair_today(all_idle, None) == D(2025, 3, 1)


def test_today_never_goes_back_and_is_unknown_before_any_event():
    assert fair_today([Watermark(D(2025, 1, 6), False)], D(2025, 2, 3)) == D(2025, 2, 3)
    assert fair_today([], None) is None


def test_the_hold_limit_counts_whole_days_after_arrival():
    assert not hold_expired(D(2025, 3, 3), D(2025, 4, 2), 30)
    assert hold_expired(D(2025, 3, 3), D(2025, 4, 3), 30)


def test_a_partition_ahead_on_another_worker_does_not_move_this_workers_today():
    # given this worker at 6 January on partition 0, and another at 1 March on partition 1
    time = FakeTime()
    clock = event_clock(time)
    clock.saw(0, D(2025, 1, 6))
    marks = {1: PartitionMark(D(2025, 3, 1), idle=False)}
    clock.heard(ClockReport(worker="other", today=D(2025, 3, 1), marks=marks))
    # then today is the slower one, until this worker's partition has been quiet for a while
    assert clock.today() == D(2025, 1, 6)
    time.now += IDLE_SECONDS + 1
    assert clock.today() == D(2025, 3, 1)


def test_a_report_counts_until_its_partitions_next_one_and_a_revoked_partition_is_not_reported():
    # given partition 1 busy at 6 January on another worker, which then goes silent (stopped,
    # or stuck in a rebalance)
    time = FakeTime()
    clock = event_clock(time)
    clock.saw(0, D(2025, 3, 1))
    marks = {1: PartitionMark(D(2025, 1, 6), idle=False)}
    clock.heard(ClockReport(worker="other", today=D(2025, 1, 6), marks=marks))
    time.now += 10 * IDLE_SECONDS
    clock.saw(0, D(2025, 3, 2))
    # then partition 1 holds today until whoever owns it next says it is idle
    assert clock.today() == D(2025, 1, 6)
    idle = {1: PartitionMark(D(2025, 1, 6), idle=True)}
    clock.heard(ClockReport(worker="new owner", today=None, marks=idle))
    assert clock.today() == D(2025, 3, 2)
    clock.forget({0})
    assert clock.report().marks == {}


def test_a_worker_takes_no_notice_of_its_own_report():
    time = FakeTime()
    clock = event_clock(time)
    own = ClockReport(
        worker="me", today=D(2025, 3, 1), marks={0: PartitionMark(D(2025, 3, 1), False)}
    )
    clock.heard(own)
    assert clock.today() is None


def test_the_wall_clock_is_the_date_in_london_whatever_the_hosts_time_zone():
    # 23:30 UTC on 30 June is 00:30 on 1 July in London (British Summer Time)
    late_june_utc = dt.datetime(2025, 6, 30, 23, 30, tzinfo=dt.UTC)
    assert london_today(late_june_utc) == D(2025, 7, 1)
    # and 23:30 UTC on 30 December is still 30 December in London (GMT)
    assert london_today(dt.datetime(2025, 12, 30, 23, 30, tzinfo=dt.UTC)) == D(2025, 12, 30)
    clock = BusinessClock("wall", "me", IDLE_SECONDS, wall_today=lambda: D(2026, 1, 5))
    clock.saw(0, D(2099, 1, 1))
    assert clock.today() == D(2026, 1, 5)


def test_a_partition_without_an_event_yet_holds_today_until_it_has_been_quiet():
    # given a worker just assigned two partitions, one of which has an event far ahead
    time = FakeTime()
    clock = event_clock(time)
    clock.assigned({0, 1})
    clock.saw(0, D(2099, 12, 31))
    # then today is not decided by that one partition while the other may still have traffic
    assert clock.today() is None
    time.now += IDLE_SECONDS + 1
    assert clock.today() is None  # its backlog is not measured yet
    clock.behind(set())
    clock.saw(0, D(2099, 12, 31))
    assert clock.today() == D(2099, 12, 31)
    assert fair_today([Watermark(None, False), Watermark(D(2025, 1, 6), False)], None) is None


def test_a_rebalance_keeps_each_partitions_furthest_date():
    # given a worker whose partition 0 reached 1 March while partition 1 holds today at 6 January
    time = FakeTime()
    clock = event_clock(time)
    clock.saw(0, D(2025, 3, 1))
    clock.saw(1, D(2025, 1, 6))
    assert clock.today() == D(2025, 1, 6)
    # when a rebalance takes both partitions away and hands them back, and both go quiet
    clock.forget({0, 1})
    clock.assigned({0, 1})
    time.now += IDLE_SECONDS + 1
    clock.behind(set())
    # then today is the furthest date reached, not held where the rebalance found it
    assert clock.today() == D(2025, 3, 1)
    assert clock.report().marks[0] == PartitionMark(D(2025, 3, 1), idle=True)


def test_a_partitions_new_owner_reporting_no_event_yet_does_not_set_it_back():
    # given a worker that heard partition 0 reach 1 March, and partition 1 at 6 January
    time = FakeTime()
    clock = event_clock(time, worker="reporting")
    before_the_move = {
        0: PartitionMark(D(2025, 3, 1), False),
        1: PartitionMark(D(2025, 1, 6), False),
    }
    clock.heard(ClockReport(worker="a", today=D(2025, 1, 6), marks=before_the_move))
    # when partition 0 moves to another worker, which has had no event on it yet
    clock.heard(ClockReport(worker="b", today=None, marks={0: PartitionMark(None, False)}))
    time.now += IDLE_SECONDS + 1
    idle = {0: PartitionMark(None, True), 1: PartitionMark(D(2025, 1, 6), True)}
    clock.heard(ClockReport(worker="b", today=None, marks=idle))
    # then the partition keeps the date it reached
    assert clock.today() == D(2025, 3, 1)


def test_a_report_of_a_partition_this_worker_owns_can_only_move_its_date_on():
    # given a worker newly assigned partition 0, and the previous owner's last report arriving late
    time = FakeTime()
    clock = event_clock(time)
    clock.assigned({0})
    clock.heard(ClockReport(worker="a", today=None, marks={0: PartitionMark(D(2025, 3, 1), True)}))
    clock.heard(ClockReport(worker="a", today=None, marks={0: PartitionMark(D(2025, 2, 1), True)}))
    # then this worker reports the later date as its own, still active until quiet
    assert clock.report().marks[0] == PartitionMark(D(2025, 3, 1), idle=False)


def test_a_quiet_partition_with_messages_waiting_holds_today_at_its_watermark():
    # given partition 0 at 6 January with messages not yet taken (its worker is rebalancing),
    # and partition 1 at 1 March
    time = FakeTime()
    clock = event_clock(time)
    clock.assigned({0, 1})
    clock.saw(0, D(2025, 1, 6))
    clock.saw(1, D(2025, 3, 1))
    clock.behind({0})
    # when both have been quiet for longer than the idle time
    time.now += 10 * IDLE_SECONDS
    # then today waits for partition 0, and says so in its report, until it has caught up
    assert clock.today() == D(2025, 1, 6)
    assert clock.report().marks[0] == PartitionMark(D(2025, 1, 6), idle=False)
    clock.behind(set())
    assert clock.today() == D(2025, 3, 1)
