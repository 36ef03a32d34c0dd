"""A worker stuck in a rebalance past the limit ends itself, and only then."""

from types import SimpleNamespace

from services.streaming.watchdog import EXIT_STUCK, RebalanceWatchdog


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_rebalance_past_the_limit_ends_the_worker_and_a_finished_one_resets_the_watch():
    # given a worker in a rebalance, watched with a 60 s limit
    app, clock, ended = SimpleNamespace(rebalancing=True), Clock(), []
    watchdog = RebalanceWatchdog(app, 60.0, now=clock, end=ended.append)
    watchdog.check()
    # when the rebalance ends within the limit, and a later one lasts past it
    clock.now += 59
    watchdog.check()
    app.rebalancing = False
    watchdog.check()
    app.rebalancing = True
    clock.now += 30
    watchdog.check()
    assert ended == [] and not watchdog.stuck()
    clock.now += 61
    # then it is stuck, and ends the process with the code for "try again"
    assert watchdog.stuck()
    watchdog.check()
    assert ended == [EXIT_STUCK]
