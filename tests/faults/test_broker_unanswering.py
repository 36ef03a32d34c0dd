"""The broker stops answering a worker mid-stream: the worker ends itself, and its successor
finishes the work. Nothing is lost, nothing applied twice.

The broker sits behind a proxy (tests/faults/freezing_proxy.py) that, mid-stream, drops
everything on the gatekeeping worker's open connections: its deliveries are never acknowledged,
so the batch it is committing waits for ever. Its partitions then have messages waiting and no
offset committed; past the stall limit the worker logs where it waits and ends with exit code 75,
and whatever supervises it (here the harness, as `pathfinder up` does) starts it again on fresh
connections.
"""

import threading

import pytest

from services.stack.broker import EmbeddedBroker, free_port
from services.streaming.watchdog import EXIT_STUCK
from tests.e2e.expectations import assert_settles_on_the_replay, replay_lines
from tests.e2e.harness import Pipeline
from tests.e2e.test_pipeline import simulated_log
from tests.faults.freezing_proxy import FreezingProxy, client_ports
from tests.polling import wait_for

pytestmark = pytest.mark.e2e
STALL_LIMIT_SECONDS = 15
WATCHDOG_SECONDS = 5  # services/streaming/worker.py


def test_a_worker_the_broker_stops_answering_ends_itself_and_its_successor_loses_nothing(
    tmp_path, rules
):
    # given a log, its replay, and the pipeline on a broker behind a proxy
    log = simulated_log(tmp_path, rules)
    lines = log.read_bytes().splitlines()
    expected, refused = replay_lines(lines, rules)
    broker_port = free_port()
    with (
        FreezingProxy(broker_port) as proxy,
        EmbeddedBroker(broker_port, tmp_path / "broker.log", advertised_port=proxy.port),
        Pipeline(
            tmp_path,
            bootstrap=f"127.0.0.1:{proxy.port}",
            PATHFINDER_STALL_LIMIT_SECONDS=str(STALL_LIMIT_SECONDS),
            PATHFINDER_FETCH_WAIT_MS="50",
            PATHFINDER_HOLD_LIMIT_DAYS="30",
        ) as pipeline,  # fmt: skip
    ):
        publishing = threading.Thread(target=pipeline.publish, args=(lines[:-1], 40.0))
        publishing.start()
        # when, a quarter of the way in, the broker stops answering the gatekeeping worker
        assert wait_for(lambda: _accepted(pipeline) > len(lines) // 4, 120, 0.2)
        assert publishing.is_alive(), "the log was published before the freeze: publish slower"
        stalled = pipeline.workers["gatekeeping"]
        proxy.freeze(client_ports(stalled.pid))
        # then it ends itself with the code for "try again", saying why and where it waited
        limit = STALL_LIMIT_SECONDS + 2 * WATCHDOG_SECONDS + 10
        assert wait_for(lambda: stalled.poll() is not None, limit, 0.5), "it never ended"
        assert stalled.returncode == EXIT_STUCK
        said = (tmp_path / "gatekeeping.log").read_text()
        assert f"none handled for over {STALL_LIMIT_SECONDS} s on" in said
        assert "services/streaming/worker.py" in said  # where its agent waited
        # and its successor, started afresh, finishes: the figures and dead letters are the replay's
        assert wait_for(lambda: ("gatekeeping", EXIT_STUCK) in pipeline.restarts, 10, 0.5)
        publishing.join()
        pipeline.publish(lines[-1:])
        assert_settles_on_the_replay(pipeline, expected, refused)


def _accepted(pipeline: Pipeline) -> float:
    return sum(
        value
        for (sample, labels), value in pipeline.metrics("gatekeeping").items()
        if sample == "pathfinder_events_processed_total" and dict(labels)["outcome"] == "accepted"
    )
