"""End to end on a real broker: the live metrics equal the replay of the same log.

The embedded broker and the three workers run as separate processes under a unique topic
prefix. The log is simulated with duplicates, bad lines and out-of-order arrival, and ends with
one application dated 40 days after the rest, so the business clock passes the 30-day hold limit
and every message still waiting for a prerequisite is dead-lettered, as a replay does at the end.
That application is published once intake has taken everything else and its event clock has a
date: the event clock is the latest business date a worker has seen, partitions are consumed at
their own pace, and a message taken before the clock had a date counts from its first.
"""

import datetime as dt
import math
import subprocess
import sys
from collections import Counter
from pathlib import Path

import orjson
import pytest

from services.core.metrics import ALL_SITES
from services.evaluator.replay import replay
from services.reference.sites_file import load_sites
from services.reporting.collector import COUNTED
from services.simulator import SimulationConfig, simulate
from tests.builders import event, line
from tests.e2e.harness import Pipeline
from tests.polling import wait_for

pytestmark = pytest.mark.e2e
HOLD_LIMIT_DAYS = 30


def simulated_log(tmp_path: Path, rules) -> Path:
    registry = load_sites()
    config = SimulationConfig(
        cases=150, seed=21, sites=tuple(registry), start=dt.date(2025, 1, 1),
        end=dt.date(2025, 9, 30), noise=0.04,
    )  # fmt: skip
    lines = list(simulate(config, registry))
    path = tmp_path / "pilot.jsonl"
    path.write_bytes(b"".join(raw + b"\n" for raw in lines))
    last = replay([path], rules, show_progress=False).as_of
    assert last is not None
    closing_date = (last + dt.timedelta(days=HOLD_LIMIT_DAYS + 10)).isoformat()
    sentinel = event(
        "ApplicationIssued", subject="PF-DOR-999999", issued_on=closing_date,
        children=[{"child_id": "child-7f3a9c"}, {"child_id": "child-52e1d0"}],
    )  # fmt: skip
    path.write_bytes(path.read_bytes() + line(sentinel) + b"\n")
    return path


def differences(metrics: dict, sites: dict) -> list[str]:
    """Every figure of the replay that the live metrics do not show the same."""
    problems = []
    for site, values in sites.items():
        for key, expected in values.items():
            name = f"pathfinder_{key}_total" if key in COUNTED else f"pathfinder_{key}"
            actual = metrics.get((name, (("site", site),)))
            if not same_figure(actual, expected):
                problems.append(f"{site} {key}: live {actual}, replay {expected}")
    return problems


def same_figure(actual: float | None, expected: float | None) -> bool:
    """Equal up to float rounding, or both missing (the replay's null is no series)."""
    if expected is None:
        return actual is None
    return actual is not None and math.isclose(actual, expected, rel_tol=1e-9)


def test_live_metrics_and_dead_letters_equal_the_replay(tmp_path, rules):
    assert_live_equals_replay(tmp_path, rules)


def assert_live_equals_replay(tmp_path: Path, rules, bootstrap: str | None = None, **settings):
    """The whole check, on the embedded broker or, given `bootstrap`, on another Kafka."""
    # given a simulated log and what the replay makes of it
    log = simulated_log(tmp_path, rules)
    with (tmp_path / "rejected.jsonl").open("wb") as rejected:
        expected = replay([log], rules, rejected=rejected, show_progress=False, include_raw=True)
    refused = [orjson.loads(row) for row in (tmp_path / "rejected.jsonl").read_bytes().splitlines()]
    lines = log.read_bytes().splitlines()
    settings = {"PATHFINDER_HOLD_LIMIT_DAYS": str(HOLD_LIMIT_DAYS), **settings}
    with Pipeline(tmp_path, bootstrap=bootstrap, **settings) as pipeline:
        # when the log is published to the inbound topic
        pipeline.publish(lines[:-1])
        assert wait_for(lambda: _intake_outcomes(pipeline).get("received") == len(lines) - 1, 180)
        assert wait_for(lambda: pipeline.business_date("intake") is not None, 60)
        pipeline.publish(lines[-1:])
        # then the served metrics converge on the replay's figures
        converged = wait_for(lambda: not differences(pipeline.metrics(), expected.sites), 240, 2)
        assert converged, differences(pipeline.metrics(), expected.sites)
        assert pipeline.metrics()[("pathfinder_applications_total", (("site", ALL_SITES),))] > 0
        # and the dead-letter topic holds every refused line, byte for byte, with its reason
        dead = pipeline.read_topic(pipeline.topics.dead_letter)
        live = Counter((value, headers["reason"].decode()) for value, headers in dead)
        assert live == Counter((row["raw"].encode(), row["reason"]) for row in refused)
        # and the dead letters served, each counted once by source position, equal the refusals
        served = {
            dict(labels)["reason"]: value
            for (name, labels), value in pipeline.metrics().items()
            if name == "pathfinder_dead_lettered_total"
        }
        assert {reason: served.get(reason, 0) for reason in expected.rejected} == expected.rejected
        # and intake accounted for every message exactly once
        outcome = _intake_outcomes(pipeline)
        assert outcome["received"] == len(lines)
        assert outcome["accepted"] + outcome["duplicate"] + outcome["refused"] == len(lines)
        assert outcome["accepted"] == expected.accepted
        # and the canonical log, exported for evaluators, replays to the same figures
        exported = tmp_path / "case-events.jsonl"
        done = subprocess.run(
            [sys.executable, "-m", "services.cli", "export", "--out", str(exported)],
            env=pipeline.environment("intake"), capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        again = replay([exported], rules, show_progress=False)
        assert (again.sites, again.accepted, again.duplicates) == (
            expected.sites,
            expected.accepted,
            0,
        )


def _intake_outcomes(pipeline: Pipeline) -> dict[str, float]:
    return {
        dict(labels)["outcome"]: value
        for (name, labels), value in pipeline.metrics("intake").items()
        if name == "pathfinder_events_processed_total"
    }
