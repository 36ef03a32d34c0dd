"""End to end: `pathfinder cases` against the live pipeline lists, site by site, exactly the CIRs
that pathfinder_cir_overdue and pathfinder_cir_due_soon count; intake serves each site's silence.

The simulated log of the pipeline test, with one CIR left unfiled past its due date and one due
within 5 working days of the log's last date. The command runs as an operator runs it, asking the
reporting worker's admin port; its output stays in memory (it names cases), not in a log.
"""

import datetime as dt
import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from services.core.metrics import ALL_SITES
from services.evaluator.replay import replay
from tests.builders import event, line
from tests.e2e.harness import Pipeline
from tests.e2e.test_pipeline import HOLD_LIMIT_DAYS, differences, simulated_log
from tests.polling import wait_for

pytestmark = pytest.mark.e2e
DUE_SOON_CASE, OVERDUE_CASE = "PF-DOR-777777", "PF-BHM-777778"


def ordered_case(subject: str, site: str, decided: dt.date) -> list[bytes]:
    """A case whose CIR is ordered on `decided` and never filed."""
    issued = (decided - dt.timedelta(days=2)).isoformat()
    return [
        line(event("ApplicationIssued", subject=subject, site=site, issued_on=issued)),
        line(event("GatekeepingDecisionMade", subject=subject, site=site,
                   decided_on=decided.isoformat(), cir_author="cafcass", idva_referral=False)),
    ]  # fmt: skip


def due_soon_case(as_of: dt.date, calendar) -> tuple[list[bytes], int]:
    """A Dorset case whose CIR falls due 1 to 5 working days after `as_of`; the days left."""
    decided = as_of  # due 40 working days later: moved back a day at a time to 5 left
    while (
        left := calendar.working_days_between(as_of, calendar.add_working_days(decided, 40))
    ) > 5:
        decided -= dt.timedelta(days=1)
    assert left >= 1
    return ordered_case(DUE_SOON_CASE, "dorset", decided), left


def cases(pipeline: Pipeline, *args: str) -> subprocess.CompletedProcess[str]:
    url = f"http://127.0.0.1:{pipeline.admin_ports['reporting']}"
    environment = pipeline.environment("intake") | {"PATHFINDER_REPORTING_URLS": url}
    return subprocess.run(
        [sys.executable, "-m", "services.cli", "cases", *args],
        env=environment, capture_output=True, text=True, timeout=60,
    )  # fmt: skip


def listed_per_site(pipeline: Pipeline, flag: str) -> tuple[dict[str, int], list[dict]]:
    done = cases(pipeline, flag, "--json")
    assert done.returncode == 0, done.stderr
    rows = json.loads(done.stdout)["cases"]
    counts = Counter(row["site"] for row in rows)
    return {**counts, ALL_SITES: len(rows)}, rows


def served_per_site(pipeline: Pipeline, metric: str) -> dict[str, int]:
    return {
        dict(labels)["site"]: int(value)
        for (name, labels), value in pipeline.metrics().items()
        if name == metric and value
    }


def test_cases_lists_what_the_metrics_count_and_intake_serves_each_sites_silence(
    tmp_path: Path, rules
) -> None:
    # given the simulated log with a CIR overdue and one due soon as of its last business date
    log = simulated_log(tmp_path, rules)
    lines = log.read_bytes().splitlines()
    as_of = replay([log], rules, show_progress=False).as_of
    soon, days_left = due_soon_case(as_of, rules.calendar)
    lines[-1:-1] = ordered_case(OVERDUE_CASE, "birmingham", as_of - dt.timedelta(days=90)) + soon
    log.write_bytes(b"".join(raw + b"\n" for raw in lines))
    expected = replay([log], rules, show_progress=False)
    assert expected.as_of == as_of and expected.sites["birmingham"]["cir_overdue"] >= 1
    with Pipeline(tmp_path, PATHFINDER_HOLD_LIMIT_DAYS=str(HOLD_LIMIT_DAYS)) as pipeline:
        # when the log is published and the workers settle on the replay's figures
        pipeline.publish(lines[:-1])
        pipeline.publish(lines[-1:])
        settled = wait_for(lambda: not differences(pipeline.metrics(), expected.sites), 240, 2)
        assert settled, differences(pipeline.metrics(), expected.sites)

        # then the overdue CIRs listed per site are those the metric and the replay count
        def overdue_agrees() -> bool:
            listed, _ = listed_per_site(pipeline, "--overdue")
            return listed == served_per_site(pipeline, "pathfinder_cir_overdue")

        assert wait_for(overdue_agrees, 30, 1)
        listed, overdue = listed_per_site(pipeline, "--overdue")
        replayed = {s: f["cir_overdue"] for s, f in expected.sites.items() if f["cir_overdue"]}
        assert listed == replayed
        assert OVERDUE_CASE in [row["case"] for row in overdue]
        days = [row["working_days"] for row in overdue]
        assert days == sorted(days, reverse=True)  # most working days overdue first

        # and so are the CIRs due soon, with the working days left
        def due_soon_agrees() -> bool:
            listed, _ = listed_per_site(pipeline, "--due-soon")
            return listed == served_per_site(pipeline, "pathfinder_cir_due_soon")

        assert wait_for(due_soon_agrees, 30, 1)
        _, due_soon = listed_per_site(pipeline, "--due-soon")
        assert {"case": DUE_SOON_CASE, "working_days": days_left} in [
            {"case": row["case"], "working_days": row["working_days"]} for row in due_soon
        ]

        # and a site's rows are those of its metric; an unknown site is refused
        dorset = cases(pipeline, "--due-soon", "--site", "dorset")
        assert dorset.returncode == 0, dorset.stderr
        count = served_per_site(pipeline, "pathfinder_cir_due_soon")["dorset"]
        assert dorset.stdout.splitlines()[0].endswith(f"as of {as_of}: {count}")
        assert cases(pipeline, "--overdue", "--site", "atlantis").returncode == 2

        # and intake serves each site's working hours of silence, and the threshold
        intake = pipeline.metrics("intake")
        silent = {
            dict(labels)["site"]
            for (name, labels), value in intake.items()
            if name == "pathfinder_site_silent_working_hours" and 0 <= value < 1
        }
        sending = {s for s, f in expected.sites.items() if f["applications"]} - {ALL_SITES}
        assert sending <= silent <= set(rules.sites)
        assert intake[("pathfinder_site_silent_threshold_working_hours", ())] == 8
