"""End to end: a prerequisite that came after the hold limit, its dependent redriven, and every
refusal told to its publisher.

A `GatekeepingDecisionMade` waits for its case's `ApplicationIssued`, which comes only after the
business clock has passed the hold limit: the decision is dead-lettered as
`missing_prerequisite`. Once the application is in, `pathfinder redrive --reason
missing_prerequisite` sends the decision again and intake accepts it; a second redrive changes
nothing (intake ignores the repeat), and the live figures equal the replay of the canonical log
throughout. Each refused message has one refusal on the refusals topic, keyed by its `source`,
without its payload, and the publishers' example (`examples/read_refusals.py`, confluent-kafka)
reads each publisher's own.
"""

import subprocess
import sys
import time
from pathlib import Path

import orjson
import pytest
from jsonschema import Draft202012Validator, FormatChecker

from schemas.generate import REFUSAL_FILE, SCHEMA_DIR
from services.evaluator.replay import replay
from tests.builders import event, line
from tests.e2e.expectations import dead_letters_by_position, figure_differences
from tests.e2e.harness import KeyedRecord, Pipeline
from tests.polling import wait_for

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "read_refusals.py"
COURT, REPORT_WRITER = "hmcts/prl-cos-api", "cafcass/childfirst"
LATE_CASE = "PF-DOR-700002"


def published_lines() -> tuple[list[bytes], bytes, bytes]:
    """What is sent before the hold limit passes, the line that moves the clock past it, and the
    prerequisite that comes after."""
    decided = dict(decided_on="2025-01-10", cir_author="cafcass", idva_referral=False)
    dependent = line(event("GatekeepingDecisionMade", LATE_CASE, **decided))
    filed = event("CirFiled", "PF-DOR-700001", filed_on="2025-02-30")  # no such date
    filed["source"] = REPORT_WRITER
    before = [
        dependent,
        line(event("ApplicationIssued", "PF-DOR-700001", issued_on="2025-01-06")),
        line(event("SafeguardingChecksCompleted", "PF-DOR-700001", completed_on="2025-01-07")),
        line(event("GatekeepingDecisionMade", "PF-DOR-700001", decided_on="2025-01-09")),
        b"not json at all",
        line(filed),
        line(event("ApplicationIssued", "PF-XYZ-700009", site="atlantis")),
    ]
    mover = line(event("ApplicationIssued", "PF-DOR-700003", issued_on="2025-03-03"))
    prerequisite = line(event("ApplicationIssued", LATE_CASE, issued_on="2025-01-08"))
    return before, mover, prerequisite


def outcomes(pipeline: Pipeline) -> dict[str, float]:
    return {
        dict(labels)["outcome"]: value
        for (name, labels), value in pipeline.metrics("intake").items()
        if name == "pathfinder_events_processed_total"
    }


def dead_lettered(pipeline: Pipeline) -> dict[str, float]:
    return {
        dict(labels)["reason"]: value
        for (name, labels), value in pipeline.metrics().items()
        if name == "pathfinder_dead_lettered_total" and value
    }


def redrive(pipeline: Pipeline, *arguments: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "services.cli", "redrive", *arguments],
        env=pipeline.environment("intake"), capture_output=True, text=True, timeout=120, cwd=ROOT,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done.stdout


def same(records: list[KeyedRecord], others: list[KeyedRecord]) -> bool:
    """The same records, in whatever order the partitions were read."""

    def comparable(each: list[KeyedRecord]) -> list[tuple]:
        return sorted((key, value, sorted(headers.items())) for key, value, headers in each)

    return comparable(records) == comparable(others)


def canonical_replay(pipeline: Pipeline, tmp_path: Path, rules):
    """The replay of the canonical log as it is now, and the log's lines."""
    logged = [value for value, _ in pipeline.read_topic(pipeline.topics.case_events)]
    path = tmp_path / "case-events.jsonl"
    path.write_bytes(b"".join(value + b"\n" for value in logged))
    return replay([path], rules, show_progress=False), logged


def test_a_late_prerequisite_then_redrive_and_refusals_for_publishers(tmp_path, rules):
    before, mover, prerequisite = published_lines()
    everything = [*before, mover, prerequisite]
    (tmp_path / "published.jsonl").write_bytes(b"".join(raw + b"\n" for raw in everything))
    with Pipeline(tmp_path, PATHFINDER_HOLD_LIMIT_DAYS="30") as pipeline:
        # given a decision that waits for its application, with other cases and refused lines
        pipeline.publish(before)
        assert wait_for(lambda: outcomes(pipeline).get("refused") == 3, 180)
        # and intake's event clock has a date, which the decision's wait counts from (taken
        # before it, the mover could make that first date its own, and the wait would never end)
        assert wait_for(lambda: pipeline.business_date("intake") is not None, 60)
        # when the business clock passes the hold limit, the decision is dead-lettered
        pipeline.publish([mover])
        assert wait_for(lambda: dead_lettered(pipeline).get("missing_prerequisite") == 1, 180)
        # and its application comes after
        pipeline.publish([prerequisite])
        assert wait_for(lambda: outcomes(pipeline).get("accepted") == 5, 120), outcomes(pipeline)

        # then redriving the missing prerequisites has the decision accepted
        said = redrive(pipeline, "--reason", "missing_prerequisite")
        assert "sent 1 to" in said and "left 3 of another reason" in said, said
        assert wait_for(lambda: outcomes(pipeline).get("accepted") == 6, 120), outcomes(pipeline)
        expected, logged = canonical_replay(pipeline, tmp_path, rules)
        assert before[0] in logged and expected.accepted == 6
        settled = wait_for(lambda: not figure_differences([pipeline.metrics()], expected), 120, 2)
        assert settled, figure_differences([pipeline.metrics()], expected)
        assert expected.sites["dorset"]["cir_ordered"] == 2

        # and a second redrive changes nothing: the repeat is ignored as a duplicate
        dead = pipeline.read_keyed(pipeline.topics.dead_letter)
        told = pipeline.read_keyed(pipeline.topics.refusals)
        duplicates = outcomes(pipeline).get("duplicate", 0)
        assert "sent 1 to" in redrive(pipeline, "--reason", "missing_prerequisite")
        assert wait_for(lambda: outcomes(pipeline).get("duplicate", 0) == duplicates + 1, 120)
        time.sleep(3)  # time for anything it might have sent on
        again, logged_again = canonical_replay(pipeline, tmp_path, rules)
        assert sorted(logged_again) == sorted(logged) and again.sites == expected.sites
        assert not figure_differences([pipeline.metrics()], expected)
        assert same(pipeline.read_keyed(pipeline.topics.dead_letter), dead)
        assert same(pipeline.read_keyed(pipeline.topics.refusals), told)
        assert dead_lettered(pipeline) == {
            "malformed": 1, "invalid_data": 1, "unknown_site": 1, "missing_prerequisite": 1,
        }  # fmt: skip
        # and a dry run sends nothing
        dry = redrive(pipeline, "--reason", "missing_prerequisite", "--dry-run")
        assert "would send 1 to" in dry

        # and every refusal was told once, at its dead letter's position, keyed by its source
        assert_one_refusal_per_dead_letter(dead, told)
        # and each publisher's example reads its own
        mine = read_refusals(pipeline, COURT)
        assert sorted(refusal["reason"] for refusal in mine) == [
            "missing_prerequisite", "unknown_site",
        ]  # fmt: skip
        [filed] = read_refusals(pipeline, REPORT_WRITER)
        assert (filed["reason"], filed["ce_type"]) == ("invalid_data", "CirFiled")
        assert filed["detail"] == "data.filed_on: not a real date in YYYY-MM-DD form"


def assert_one_refusal_per_dead_letter(dead, told) -> None:
    positions = dead_letters_by_position(dead)
    by_id = {}
    for key, value, _ in told:
        refusal = orjson.loads(value)
        by_id.setdefault(refusal["id"], (key, refusal))
    assert len(told) == len(by_id) == len(positions) == 4
    validator = Draft202012Validator(
        orjson.loads((SCHEMA_DIR / REFUSAL_FILE).read_bytes()), format_checker=FormatChecker()
    )
    for position, (_, _, headers) in positions.items():
        key, refusal = by_id[b"/".join(position).decode()]
        assert refusal["reason"] == headers["reason"].decode()
        assert key == (refusal["ce_source"] or "").encode()
        assert not {"subject", "data", "payload"} & set(refusal)
        assert list(validator.iter_errors(refusal)) == []
    keys = sorted(key for key, _ in by_id.values())
    assert keys == sorted([b"", REPORT_WRITER.encode(), COURT.encode(), COURT.encode()])


def read_refusals(pipeline: Pipeline, source: str) -> list[dict]:
    """What the publishers' example prints for `source`: one JSON object per line."""
    done = subprocess.run(
        [sys.executable, str(EXAMPLE), "--bootstrap", pipeline.bootstrap, "--source", source,
         "--topic", pipeline.topics.refusals, "--idle-seconds", "5",
         "-X", "session.timeout.ms=6000"],  # the embedded broker holds a first join for half
        capture_output=True, text=True, timeout=180, cwd=ROOT,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return [orjson.loads(row) for row in done.stdout.splitlines()]
