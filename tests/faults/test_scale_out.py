"""A second worker of every service joins mid-stream, and leaves: partitions move, nothing is lost.

While the log streams in, a second intake, gatekeeping and reporting worker join (a rebalance
moves half the partitions to them); later the second intake and gatekeeping workers leave (the
partitions move back). Whichever worker owns a partition serves it in full: held messages expire
on every partition, every quiet case gets its deadline alert, and the figures summed over the two
reporting workers, as the Prometheus rules sum them, equal the replay; once the second reporting
worker leaves too, the first alone does.
"""

import threading
import urllib.request
from collections import defaultdict

import msgspec
import pytest

from services.core.alerts import CIR_OVERDUE, alert_id, awaits_deadline, due_status
from services.core.fold import ReplayFold
from tests.e2e.expectations import assert_settles_on_the_replay, replay_lines
from tests.e2e.harness import Pipeline
from tests.e2e.test_pipeline import simulated_log
from tests.polling import wait_for

pytestmark = pytest.mark.e2e
JOINERS = ("intake-2", "gatekeeping-2", "reporting-2")


def test_workers_joining_and_leaving_mid_stream_lose_nothing(tmp_path, rules):
    # given a log, its replay, and the overdue alerts its open CIRs call for at its end
    log = simulated_log(tmp_path, rules)
    lines = log.read_bytes().splitlines()
    expected, refused = replay_lines(lines, rules)
    with Pipeline(tmp_path, PATHFINDER_HOLD_LIMIT_DAYS="30") as pipeline:
        publishing = threading.Thread(target=pipeline.publish, args=(lines[:-1], 60.0))
        publishing.start()
        # when a second worker of every service joins a quarter of the way in
        assert wait_for(lambda: _received(pipeline) > len(lines) // 4, 120, 0.5)
        for name in JOINERS:
            pipeline.start(name)
        assert wait_for(lambda: all(_consuming(pipeline, name) for name in JOINERS), 120, 0.5)
        # and the second intake and gatekeeping workers leave three quarters of the way in
        assert wait_for(
            lambda: _received(pipeline, "intake", "intake-2") > len(lines) * 3 // 4, 180, 0.5
        )
        pipeline.stop("intake-2")
        pipeline.stop("gatekeeping-2")
        publishing.join()
        pipeline.publish(lines[-1:])
        # then both reporting workers together serve the replay's figures
        assert_settles_on_the_replay(pipeline, expected, refused, ("reporting", "reporting-2"))
        # and every quiet case got its overdue alert, a repeat always with the same key and id
        alerts = _alerts(pipeline)
        assert _overdue_alerts_called_for(lines, rules, expected.as_of) <= set(alerts)
        assert all(len(keys) == 1 for keys in alerts.values()), alerts
        # and when the second reporting worker leaves, the first alone serves them
        pipeline.stop("reporting-2")
        assert_settles_on_the_replay(pipeline, expected, refused)


def _consuming(pipeline: Pipeline, name: str) -> bool:
    """The worker has joined its group and has partitions: /readyz answers 200."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{pipeline.ports[name]}/readyz", timeout=2):
            return True
    except OSError:  # refused, or 503 while it joins its group
        return False


def _received(pipeline: Pipeline, *names: str) -> float:
    return sum(
        value
        for name in names or ("intake",)
        for (sample, labels), value in pipeline.metrics(name).items()
        if sample == "pathfinder_events_processed_total" and dict(labels)["outcome"] == "received"
    )


def _alerts(pipeline: Pipeline) -> dict[str, set[bytes]]:
    """Alert id -> the keys it was sent with."""
    keys = defaultdict(set)
    for key, value, _ in pipeline.read_keyed(pipeline.topics.derived_events):
        message = msgspec.json.decode(value)
        if message["type"] in ("CirDueSoon", "CirOverdue"):
            keys[message["id"]].add(key)
    return keys


def _overdue_alerts_called_for(lines, rules, today) -> set[str]:
    fold = ReplayFold(rules)
    for line in lines:
        fold.ingest(line, None)
    fold.finish()
    wanted = set()
    for subject, ledger in fold.cases.items():
        status = due_status(ledger.state, today, rules.calendar)
        if awaits_deadline(ledger.state) and status is not None and status[0] == CIR_OVERDUE:
            wanted.add(alert_id(subject, CIR_OVERDUE, status[1]))
    return wanted
