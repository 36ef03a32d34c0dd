"""`pathfinder cases` against fake reporting workers: tiny HTTP servers in the test answering
/cases as a worker does. Merging, ordering, a worker not reached, a partition no one serves."""

import datetime as dt
import http.server
import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from services.core.deadlines import DUE_SOON, OVERDUE, CirDeadline
from services.reporting.cases_answer import CasesAnswer, encode_answer
from services.stack.broker import free_port

ROOT = Path(__file__).resolve().parents[2]
D = dt.date


def pathfinder(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("PATHFINDER_")}
    return subprocess.run(
        [sys.executable, "-m", "services.cli", *args],
        capture_output=True, text=True, cwd=ROOT, env={**environment, **env}, timeout=60,
    )  # fmt: skip


def row(case: str, site: str, status: str, days: int, due: dt.date, **extra) -> CirDeadline:
    return CirDeadline(
        case=case, site=site, author="cafcass", ordered_on=D(2025, 1, 6), due_original=due,
        due_current=due, status=status, working_days=days, **extra,
    )  # fmt: skip


class FakeWorker:
    """Answers /cases with the rows of the status asked (and site, if asked), and records the
    queries it was sent."""

    def __init__(self, answer: CasesAnswer | bytes, status: int = 200) -> None:
        self.answer, self.status, self.queries = answer, status, []
        worker = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                query = {key: values[0] for key, values in parse_qs(parts.query).items()}
                worker.queries.append((parts.path, query))
                body = worker.body(query)
                self.send_response(worker.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)

    def body(self, query: dict[str, str]) -> bytes:
        if isinstance(self.answer, bytes):
            return self.answer
        rows = [
            r for r in self.answer.cases
            if r.status == query.get("status") and query.get("site") in (None, r.site)
        ]  # fmt: skip
        return encode_answer(CasesAnswer(
            as_of=self.answer.as_of, partitions=self.answer.partitions,
            of_partitions=self.answer.of_partitions, cases=rows,
        ))  # fmt: skip

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"


@contextmanager
def serving(*workers: FakeWorker) -> Iterator[str]:
    """The workers' URLs as PATHFINDER_REPORTING_URLS, each served in a thread meanwhile."""
    threads = [threading.Thread(target=w.server.serve_forever, daemon=True) for w in workers]
    for thread in threads:
        thread.start()
    try:
        yield ",".join(worker.url for worker in workers)
    finally:
        for worker in workers:
            worker.server.shutdown()
            worker.server.server_close()


AS_OF = D(2025, 3, 12)
LEFT = CasesAnswer(
    as_of=AS_OF, partitions=[0, 2], of_partitions=4,
    cases=[
        row("PF-DOR-000011", "dorset", OVERDUE, 3, D(2025, 3, 7)),
        row("PF-BHM-000012", "birmingham", DUE_SOON, 4, D(2025, 3, 18)),
        row("PF-NWA-000013", "north-wales", OVERDUE, 9, D(2025, 2, 27)),
    ],
)  # fmt: skip
RIGHT = CasesAnswer(
    as_of=AS_OF, partitions=[1, 3, 2], of_partitions=4,  # 2: a rebalance under way
    cases=[
        row("PF-BHM-000021", "birmingham", OVERDUE, 12, D(2025, 2, 24)),
        row("PF-DOR-000022", "dorset", DUE_SOON, 0, D(2025, 3, 12)),
        row("PF-DOR-000011", "dorset", OVERDUE, 3, D(2025, 3, 7)),  # served by both
    ],
)  # fmt: skip


MERGED_OVERDUE = """\
CIRs overdue as of 2025-03-12: 3
case           site         author   ordered     due (40 wd)  due now     overdue (wd)
-------------  -----------  -------  ----------  -----------  ----------  ------------
PF-BHM-000021  birmingham   cafcass  2025-01-06  2025-02-24   2025-02-24            12
PF-NWA-000013  north-wales  cafcass  2025-01-06  2025-02-27   2025-02-27             9
PF-DOR-000011  dorset       cafcass  2025-01-06  2025-03-07   2025-03-07             3
"""


def test_the_workers_lists_are_merged_once_per_case_most_overdue_first():
    left, right = FakeWorker(LEFT), FakeWorker(RIGHT)
    with serving(left, right) as urls:
        done = pathfinder("cases", "--overdue", PATHFINDER_REPORTING_URLS=urls)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    assert done.stdout == MERGED_OVERDUE
    assert left.queries == right.queries == [("/cases", {"status": "overdue"})]


def test_due_soon_as_json_fewest_days_left_first():
    with serving(FakeWorker(LEFT), FakeWorker(RIGHT)) as urls:
        done = pathfinder("cases", "--due-soon", "--json", PATHFINDER_REPORTING_URLS=urls)
    assert done.returncode == 0, done.stderr
    document = json.loads(done.stdout)
    assert {k: document[k] for k in ("as_of", "status", "site", "complete")} == {
        "as_of": "2025-03-12", "status": "due_soon", "site": None, "complete": True,
    }  # fmt: skip
    assert [(c["case"], c["working_days"]) for c in document["cases"]] == [
        ("PF-DOR-000022", 0),
        ("PF-BHM-000012", 4),
    ]
    assert set(document["cases"][0]) == {
        "case", "site", "author", "ordered_on", "due_original", "due_current", "status",
        "working_days",
    }  # fmt: skip


def test_site_is_checked_against_the_registry_and_asked_of_each_worker():
    left, right = FakeWorker(LEFT), FakeWorker(RIGHT)
    with serving(left, right) as urls:
        unknown = pathfinder("cases", "--overdue", "--site", "atlantis",
                             PATHFINDER_REPORTING_URLS=urls)  # fmt: skip
        dorset = pathfinder(
            "cases", "--overdue", "--site", "dorset", PATHFINDER_REPORTING_URLS=urls
        )
    assert unknown.returncode == 2 and unknown.stdout == ""
    assert unknown.stderr.startswith("pathfinder: --site atlantis: not in the registry (dorset,")
    assert dorset.returncode == 0, dorset.stderr
    assert dorset.stdout.splitlines()[0] == "CIRs overdue at dorset as of 2025-03-12: 1"
    assert left.queries == [("/cases", {"status": "overdue", "site": "dorset"})]  # not atlantis


def test_a_worker_not_reached_is_one_line_and_exit_2_with_nothing_listed():
    gone = f"http://127.0.0.1:{free_port()}"
    with serving(FakeWorker(LEFT), FakeWorker(RIGHT)) as urls:
        done = pathfinder("cases", "--overdue", PATHFINDER_REPORTING_URLS=f"{urls},{gone}")
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.splitlines() == [
        f"pathfinder: cannot reach the reporting worker at {gone} (Connection refused); is it"
        " running, and is that its admin address (PATHFINDER_REPORTING_URLS)?",
        "pathfinder: nothing listed: the list would not be whole (--partial-ok lists it anyway)",
    ]
    assert "PF-" not in done.stderr  # case references go to stdout only


def test_partial_ok_lists_what_the_others_answered_and_says_what_is_missing():
    gone = f"http://user:secret@127.0.0.1:{free_port()}"
    with serving(FakeWorker(LEFT)) as urls:
        done = pathfinder("cases", "--overdue", "--json", "--partial-ok",
                          PATHFINDER_REPORTING_URLS=f"{urls},{gone}")  # fmt: skip
    assert done.returncode == 0, done.stderr
    document = json.loads(done.stdout)
    assert document["complete"] is False
    assert [c["case"] for c in document["cases"]] == ["PF-NWA-000013", "PF-DOR-000011"]
    problems = done.stderr.splitlines()
    assert len(problems) == 2
    assert "cannot reach the reporting worker at http://127.0.0.1:" in problems[0]
    assert "secret" not in done.stderr
    assert problems[1] == (
        "pathfinder: case-facts partition(s) 1, 3 of 4 are served by none of the workers asked"
        " (a rebalance under way, or a worker missing from PATHFINDER_REPORTING_URLS): their"
        " cases are not listed"
    )


def test_no_worker_answering_is_exit_2_even_with_partial_ok():
    gone = f"http://127.0.0.1:{free_port()}"
    done = pathfinder("cases", "--due-soon", "--partial-ok", PATHFINDER_REPORTING_URLS=gone)
    assert done.returncode == 2 and done.stdout == ""
    assert len(done.stderr.splitlines()) == 1


@pytest.mark.parametrize(
    ("worker", "problem"),
    [
        (FakeWorker(b"<html>not here</html>"), "did not answer as a pathfinder reporting worker"),
        (FakeWorker(b'{"error": "status: one of overdue, due_soon"}', status=400),
         "refused the request: HTTP 400 (status: one of overdue, due_soon)"),
        (FakeWorker(CasesAnswer(as_of=None, partitions=[0, 1, 2, 3], of_partitions=4, cases=[])),
         "has no business date yet"),
    ],
)  # fmt: skip
def test_an_answer_that_is_not_a_list_is_a_problem(worker, problem):
    with serving(worker) as urls:
        done = pathfinder("cases", "--overdue", PATHFINDER_REPORTING_URLS=urls)
    assert done.returncode == 2 and done.stdout == ""
    assert problem in done.stderr


def test_the_default_worker_is_the_local_admin_port():
    port = free_port()
    done = pathfinder("cases", "--overdue", PATHFINDER_REPORTING_ADMIN_PORT=str(port))
    assert done.returncode == 2
    assert f"http://127.0.0.1:{port} (Connection refused)" in done.stderr


def test_nothing_overdue_is_said_in_one_line():
    empty = CasesAnswer(as_of=AS_OF, partitions=[0, 1, 2, 3], of_partitions=4, cases=[])
    with serving(FakeWorker(empty)) as urls:
        done = pathfinder("cases", "--overdue", PATHFINDER_REPORTING_URLS=urls)
    assert (done.returncode, done.stdout) == (0, "CIRs overdue as of 2025-03-12: 0\n")


def test_the_workers_are_asked_directly_never_through_a_proxy_of_the_environment():
    proxy = f"http://127.0.0.1:{free_port()}"  # nothing listens: a request through it would fail
    with serving(FakeWorker(LEFT), FakeWorker(RIGHT)) as urls:
        done = pathfinder("cases", "--overdue", PATHFINDER_REPORTING_URLS=urls,
                          http_proxy=proxy, HTTP_PROXY=proxy, no_proxy="")  # fmt: skip
    assert (done.returncode, done.stdout) == (0, MERGED_OVERDUE), done.stderr
