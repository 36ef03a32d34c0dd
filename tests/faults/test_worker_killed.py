"""A gatekeeping worker killed with SIGKILL mid-stream and restarted: the figures still match.

faust commits offsets at least once, so the restarted worker sees again what it applied after
its last commit; the applied ids in each case's state make those events change nothing.
"""

import signal
import threading

import pytest

from services.evaluator.replay import replay
from tests.e2e.harness import Pipeline, wait_for
from tests.e2e.test_pipeline import differences, simulated_log

pytestmark = pytest.mark.e2e


def test_a_killed_and_restarted_gatekeeper_ends_with_the_replays_figures(tmp_path, rules):
    # given a log and its replay
    log = simulated_log(tmp_path, rules)
    expected = replay([log], rules, show_progress=False)
    lines = log.read_bytes().splitlines()
    with Pipeline(tmp_path, PATHFINDER_HOLD_LIMIT_DAYS="30") as pipeline:
        # when gatekeeping is killed while the log streams in, and started again
        publishing = threading.Thread(target=pipeline.publish, args=(lines[:-1], 150.0))
        publishing.start()
        applied = lambda: _gatekeeping_applied(pipeline) > len(lines) // 3  # noqa: E731
        assert wait_for(applied, 120, 0.5), "gatekeeping never got going"
        pipeline.stop("gatekeeping", signal.SIGKILL)
        pipeline.start("gatekeeping")
        publishing.join()
        pipeline.publish(lines[-1:])
        # then the served figures converge on the replay's all the same
        converged = wait_for(lambda: not differences(pipeline.metrics(), expected.sites), 240, 2)
        assert converged, differences(pipeline.metrics(), expected.sites)


def _gatekeeping_applied(pipeline: Pipeline) -> float:
    return sum(
        value
        for (name, labels), value in pipeline.metrics("gatekeeping").items()
        if name == "pathfinder_events_processed_total" and dict(labels)["outcome"] == "accepted"
    )
