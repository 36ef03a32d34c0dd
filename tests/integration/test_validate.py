"""`pathfinder validate` as a publisher runs it: intake's checks, line by line, and nothing else.

Its refusals are the replay's: line-level on their own, and with `--as-case-log` every refusal
and the duplicates of `pathfinder replay --rejected` of the same file.
"""

import gzip
import signal
import subprocess
import sys
from pathlib import Path

import orjson
import pytest

from services.cli.validate_command import one_field
from services.core.validation import REJECTION_REASONS, Rejection, Validator
from services.stack.kafka_io import read_lines
from tests.builders import event, line
from tests.corpus import EXPECTED_FILE, hostile_lines, read_outcomes
from tests.corpus.expected import ACCEPTED, DUPLICATE
from tests.corpus.hostile import CORPUS_FILE
from tests.integration.test_cli import ROOT, pathfinder

LINE_LEVEL = REJECTION_REASONS[:5]  # malformed .. invalid_data: what a line shows on its own
SUMMARY = "pathfinder: {} lines read, {} refused"


def write_lines(path: Path, *lines: bytes) -> Path:
    path.write_bytes(b"".join(raw + b"\n" for raw in lines))
    return path


def bad(event_type: str = "ApplicationIssued", **changes: object) -> bytes:
    """An event with its envelope attributes changed."""
    return line({**event(event_type), **changes})


# --- the format: each refused line, then the counts; exit 1 when a line is refused ---


@pytest.fixture
def handmade(tmp_path) -> Path:
    oversized = event("ApplicationIssued")
    oversized["data"]["notes"] = "x" * (1 << 20)  # invalid data too, but its length comes first
    return write_lines(
        tmp_path / "handmade.jsonl",
        line(event("ApplicationIssued")),
        b'{"specversion": "1.0", "id": ',
        bad(type="NoSuchEvent"),
        bad(site="atlantis"),
        line(event("CirFiled", recommendation="Jane Doe, 12 Acacia Avenue")),
        line(oversized),
        b"\xef\xbb\xbf" + line(event("ApplicationIssued", subject="PF-DOR-000002")),
        b"[1, 2]",
    )


def test_each_refused_line_is_printed_with_its_reason_and_detail_then_the_counts(handmade):
    done = pathfinder("validate", str(handmade))
    assert done.returncode == 1
    assert done.stdout == (
        "2\tmalformed\tnot valid JSON\n"
        "3\tunknown_type\ttype: not in the catalogue\n"
        "4\tunknown_site\tsite: not in the registry\n"
        "5\tinvalid_data\tdata.recommendation: not one of the allowed values\n"
        "6\tmalformed\tlonger than the contract's limit of 1,048,576 bytes\n"
        "8\tmalformed\tnot a JSON object\n"
        "malformed\t3\n"
        "unknown_type\t1\n"
        "unknown_site\t1\n"
        "invalid_data\t1\n"
    )  # line 7 has a byte-order mark, ignored; the case checks are not made without the option
    assert done.stderr == SUMMARY.format(8, 6) + "\n"
    for sent in ("Jane", "Acacia", "NoSuchEvent", "atlantis", "xxxx"):
        assert sent not in done.stdout


def test_the_case_checks_refuse_conflicts_and_what_never_got_its_prerequisite(tmp_path):
    issued = line(event("ApplicationIssued"))
    log = write_lines(
        tmp_path / "cases.jsonl",
        issued,
        issued,  # the same id again: a duplicate, ignored
        line(event("CirFiled", subject="PF-DOR-000002")),  # held: its case is never issued
        line(event("ApplicationIssued")),  # another id, the same case: a second issue
        b"not json",
    )
    done = pathfinder("validate", str(log), "--as-case-log")
    assert done.returncode == 1
    assert done.stdout == (
        "3\tmissing_prerequisite\tCirFiled never received its ApplicationIssued\n"
        "4\tconflict\tthe case already has an ApplicationIssued\n"
        "5\tmalformed\tnot valid JSON\n"
        "malformed\t1\n"
        "conflict\t1\n"
        "missing_prerequisite\t1\n"
        "duplicate\t1\n"
    )  # the held line refused at the end of the file is printed in its place
    assert done.stderr == SUMMARY.format(5, 3) + ", 1 duplicate\n"
    # and on its own each of those lines is a valid event
    assert pathfinder("validate", str(log)).stdout == "5\tmalformed\tnot valid JSON\nmalformed\t1\n"


def test_a_clean_file_exits_0_and_duplicates_are_reported_not_refused(tmp_path):
    issued = line(event("ApplicationIssued"))
    log = write_lines(tmp_path / "clean.jsonl", issued, line(event("HearingHeld")), issued)
    done = pathfinder("validate", str(log))
    assert (done.returncode, done.stdout) == (0, "")
    assert done.stderr == SUMMARY.format(3, 0) + "\n"
    done = pathfinder("validate", str(log), "--as-case-log")
    assert (done.returncode, done.stdout) == (0, "duplicate\t1\n")


def test_an_empty_file_has_nothing_to_refuse(tmp_path):
    empty = tmp_path / "empty.jsonl"
    empty.write_bytes(b"")
    done = pathfinder("validate", str(empty), "--json")
    assert done.returncode == 0
    assert orjson.loads(done.stdout) == {
        "lines": 0,
        "refused": [],
        "counts": dict.fromkeys(REJECTION_REASONS, 0),
        "duplicates": None,
    }


def test_json_is_one_document_with_every_reason_counted(handmade):
    done = pathfinder("validate", str(handmade), "--json")
    assert done.returncode == 1
    document = orjson.loads(done.stdout)
    assert list(document) == ["lines", "refused", "counts", "duplicates"]
    assert document["lines"] == 8
    assert document["refused"][0] == {"line": 2, "reason": "malformed", "detail": "not valid JSON"}
    assert [row["line"] for row in document["refused"]] == [2, 3, 4, 5, 6, 8]
    assert list(document["counts"]) == list(REJECTION_REASONS)
    assert document["counts"]["malformed"] == 3 and document["counts"]["conflict"] == 0
    assert document["duplicates"] is None  # the case checks were not made
    with_cases = pathfinder("validate", str(handmade), "--json", "--as-case-log")
    assert orjson.loads(with_cases.stdout)["duplicates"] == 0


def test_a_detail_stays_one_field_of_one_line():
    assert one_field("data.children: must not be empty") == "data.children: must not be empty"
    assert one_field("a\tb\nc\rd\\e") == "a\\tb\\nc\\rd\\\\e"
    assert one_field("a\x00b\x1bc\u2028d\x85") == "a\\u0000b\\u001bc\\u2028d\\u0085"


# --- the same refusals as the replay: a simulated noisy log and the hostile corpus ---


def refusals_of_replay(log: Path, tmp_path: Path) -> tuple[list[dict], dict]:
    """`replay --rejected` of the log: its rows (line, reason, detail) and its event counts."""
    rejected = tmp_path / f"{log.name}.rejected.jsonl"
    done = pathfinder("replay", str(log), "--rejected", str(rejected), "--json", "-")
    assert done.returncode in (0, 1), done.stderr
    rows = [orjson.loads(row) for row in rejected.read_bytes().splitlines()]
    kept = [{name: row[name] for name in ("line", "reason", "detail")} for row in rows]
    return kept, orjson.loads(done.stdout)["events"]


def validated(log: Path, *options: str) -> dict:
    done = pathfinder("validate", str(log), "--json", *options)
    assert done.returncode in (0, 1), done.stderr
    return orjson.loads(done.stdout)


@pytest.fixture(scope="module")
def noisy_log(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("validate") / "X.jsonl"
    done = pathfinder(
        "simulate", "--cases", "300", "--seed", "3", "--noise", "0.05", "--out", str(path)
    )
    assert done.returncode == 0, done.stderr
    return path


@pytest.fixture(scope="module")
def hostile_log(tmp_path_factory) -> Path:
    """The whole corpus, the lines at the limit and the big lines made at test time included."""
    return write_lines(tmp_path_factory.mktemp("validate") / "hostile.jsonl", *hostile_lines())


@pytest.mark.parametrize("name", ["noisy_log", "hostile_log", "committed_corpus"])
def test_as_a_case_log_it_refuses_what_the_replay_refuses(request, tmp_path, name):
    log = CORPUS_FILE if name == "committed_corpus" else request.getfixturevalue(name)
    replay_rows, events = refusals_of_replay(log, tmp_path)
    document = validated(log, "--as-case-log")
    assert document["refused"] == replay_rows  # line numbers, reasons and details
    assert document["counts"] == events["rejected"]
    assert document["duplicates"] == events["duplicates"]
    assert document["lines"] == events["accepted"] + events["duplicates"] + len(replay_rows)
    # and line by line, it refuses exactly the replay's line-level refusals
    line_level = [row for row in replay_rows if row["reason"] in LINE_LEVEL]
    assert validated(log)["refused"] == line_level


@pytest.mark.parametrize("name", ["noisy_log", "hostile_log"])
def test_line_by_line_it_refuses_what_intake_refuses_of_each_message_published(
    request, rules, name
):
    # given each line as `pathfinder publish` sends it (no line end), and intake's validator
    log = request.getfixturevalue(name)
    intake_validates = Validator(rules.sites)  # as every worker builds it, on the same registry
    refused_by_intake = [
        {"line": number, "reason": checked.reason, "detail": checked.detail}
        for number, message in enumerate(read_lines(log), 1)
        if isinstance(checked := intake_validates(message), Rejection)
    ]
    # then validate refuses the same lines, for the same reasons, in the same words
    assert validated(log)["refused"] == refused_by_intake


@pytest.mark.parametrize("log", [CORPUS_FILE, "hostile_log"])
def test_the_corpus_gets_the_outcomes_on_record(request, log):
    log = request.getfixturevalue(log) if log == "hostile_log" else log
    document = validated(log, "--as-case-log")
    expected = read_outcomes(EXPECTED_FILE)[: document["lines"]]  # the committed lines first
    assert document["lines"] == log.read_bytes().count(b"\n")  # a lone CR ends no line
    assert [(row["line"], row["reason"]) for row in document["refused"]] == [
        (number, outcome)
        for number, outcome in enumerate(expected, 1)
        if outcome not in (ACCEPTED, DUPLICATE)
    ]
    assert document["duplicates"] == expected.count(DUPLICATE)


# --- inputs: standard input, gzip; errors: one line, exit 2 ---


def test_standard_input_and_gzip_give_what_the_plain_file_gives(handmade, tmp_path):
    plain = pathfinder("validate", str(handmade), "--as-case-log")
    compressed = tmp_path / "handmade.jsonl.gz"
    compressed.write_bytes(gzip.compress(handmade.read_bytes()))
    for done in (
        pathfinder("validate", "-", "--as-case-log", stdin=handmade.read_bytes()),
        pathfinder("validate", str(compressed), "--as-case-log"),
    ):
        assert (done.returncode, done.stdout, done.stderr) == (1, plain.stdout, plain.stderr)


def test_gzip_without_its_name_gets_a_hint(handmade):
    done = pathfinder("validate", "-", stdin=gzip.compress(handmade.read_bytes()))
    assert done.returncode == 1
    assert "pathfinder: hint: standard input looks gzip-compressed" in done.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["validate", "no-such-file.jsonl"], "pathfinder: no such log file: no-such-file.jsonl"),
        (["validate", "services"], "pathfinder: services: is a directory"),
        (["validate"], "the following arguments are required: FILE"),
        (["validate", "README.md", "--no-such-option"], "unrecognized arguments"),
    ],
)
def test_usage_and_file_errors_exit_2_with_one_line(args, message):
    done = pathfinder(*args)
    assert done.returncode == 2
    assert done.stdout == ""
    assert message in done.stderr
    assert done.stderr.startswith("pathfinder: ") and done.stderr.count("\n") == 1, done.stderr


def test_a_file_that_cannot_be_read_to_its_end_is_an_io_error(handmade, tmp_path):
    broken = tmp_path / "broken.jsonl.gz"
    broken.write_bytes(gzip.compress(handmade.read_bytes())[:-30])
    done = pathfinder("validate", str(broken))
    assert done.returncode == 2
    assert done.stderr.startswith(f"pathfinder: {broken}: cannot read (")
    assert done.stderr.count("\n") == 1


def test_sigterm_stops_it_as_ctrl_c_does(handmade):
    process = subprocess.Popen(
        [sys.executable, "-m", "services.cli", "validate", "-"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT,
    )  # fmt: skip
    assert process.stdin is not None
    # a write this much larger than a pipe returns only once the command is reading its lines
    process.stdin.write(handmade.read_bytes() * 4)
    process.stdin.flush()
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=60)
    assert (process.returncode, stderr) == (130, b"pathfinder: interrupted\n")
