"""Each worker SIGKILLed in turn mid-stream under `pathfinder up`, which restarts it: nothing lost.

faust commits offsets at least once, so a restarted worker sees again what it handled after its
last commit; its table is recovered from the changelog. The applied ids in each case's ledger,
the versions of the case facts and the source positions of the dead letters make those second
deliveries change nothing.
"""

import os
import signal
import threading
import time

import pytest

from services.topics import Topics
from tests.e2e.expectations import assert_settles_on_the_replay, replay_lines
from tests.e2e.harness import Observed
from tests.e2e.test_pipeline import simulated_log
from tests.polling import wait_for
from tests.stack.harness import SERVICES, Up, alive, ready

pytestmark = pytest.mark.e2e
STREAMING = {
    "PATHFINDER_CLOCK": "event",
    "PATHFINDER_TICK_SECONDS": "1",
    "PATHFINDER_CLOCK_IDLE_SECONDS": "8",  # see tests/e2e/harness.py
    "PATHFINDER_HOLD_LIMIT_DAYS": "30",
}
PUBLISH_RATE = 25.0  # lines a second: the log takes about 50 s, so every kill is mid-stream
KILL_EVERY_SECONDS = 6.0


def test_each_worker_killed_in_turn_is_restarted_and_the_figures_equal_the_replay(tmp_path, rules):
    # given a log, its replay, and the live system under its supervisor
    log = simulated_log(tmp_path, rules)
    lines = log.read_bytes().splitlines()
    expected, refused = replay_lines(lines, rules)
    system = Up(tmp_path / "up")
    system.environment.update(STREAMING)
    with system:
        pids = system.wait_until_up()
        observed = Observed(
            f"127.0.0.1:{system.ports['broker']}", Topics(), {s: system.ports[s] for s in SERVICES}
        )
        publishing = threading.Thread(target=observed.publish, args=(lines[:-1], PUBLISH_RATE))
        publishing.start()
        # when each worker in turn is killed while the log streams in
        for service in SERVICES:
            time.sleep(KILL_EVERY_SECONDS)
            assert publishing.is_alive(), "the log was published before the kill: publish slower"
            system_kill(pids[service])
            restarted = wait_for(lambda s=service: _restarted(system, s, pids[s]), 60, 0.5)
            assert restarted, f"{service} was not restarted: {system.log()}"
            pids[service] = restarted
        publishing.join()
        observed.publish(lines[-1:])
        # then the supervisor logged each restart, and the figures settle on the replay's
        assert all(f"{service} exited" in system.log() for service in SERVICES), system.log()
        assert_settles_on_the_replay(observed, expected, refused)


def _restarted(system: Up, service: str, killed: int) -> int | None:
    """The pid of the service's new worker once it consumes again."""
    pid = system.children().get(service)
    return pid if pid not in (None, killed) and ready(system.ports[service]) else None


def system_kill(pid: int) -> None:
    os.kill(pid, signal.SIGKILL)
    assert wait_for(lambda: not alive(pid), 10, 0.1)
