"""The replay over simulated log files: every line accounted for, the same answer however run."""

import datetime as dt
import gzip
import io
from pathlib import Path

import orjson
import pytest

from services.evaluator.replay import STDIN, LogFileError, replay, replay_logs
from services.reference.sites_file import load_sites
from services.simulator import SimulationConfig, simulate_lines

REGISTRY = load_sites()
CONFIG = SimulationConfig(
    cases=600,
    seed=5,
    sites=tuple(REGISTRY),
    start=dt.date(2024, 6, 1),
    end=dt.date(2025, 9, 30),
    noise=0.05,
)


@pytest.fixture(scope="module")
def labelled_lines() -> list:
    return list(simulate_lines(CONFIG, REGISTRY))


@pytest.fixture(scope="module")
def log(tmp_path_factory, labelled_lines) -> Path:
    path = tmp_path_factory.mktemp("logs") / "pilot.jsonl"
    path.write_bytes(b"".join(line.payload + b"\n" for line in labelled_lines))
    return path


def replay_to(rules, paths, out: Path, **options):
    with out.open("wb") as rejected:
        result = replay(paths, rules, rejected=rejected, show_progress=False, **options)
    return result, [orjson.loads(row) for row in out.read_bytes().splitlines()]


def test_every_bad_line_is_refused_with_the_reason_it_deserves(
    rules, log, labelled_lines, tmp_path
):
    # given a log whose simulator labelled each bad line with the reason it should get
    expected = {
        number: line.kind
        for number, line in enumerate(labelled_lines, 1)
        if line.kind not in ("event", "duplicate")
    }
    # when it is replayed
    result, refused = replay_to(rules, [log], tmp_path / "rejected.jsonl")
    # then exactly those lines are refused, each with its reason, line number and path
    assert {row["line"]: row["reason"] for row in refused} == expected
    assert all(row["path"] == str(log) for row in refused)
    # and every line is counted once
    assert result.lines == len(labelled_lines)
    duplicates = sum(1 for line in labelled_lines if line.kind == "duplicate")
    assert result.duplicates == duplicates
    assert result.accepted == sum(1 for line in labelled_lines if line.kind == "event")


def test_a_refused_row_names_the_event_but_holds_none_of_its_data(rules, log, tmp_path):
    # when a log is replayed with its refused lines written out
    _, refused = replay_to(rules, [log], tmp_path / "rejected.jsonl")
    # then each row says where the line was and why, and identifies it where it can
    assert {tuple(row) for row in refused} == {
        ("path", "line", "reason", "detail", "id", "type", "subject")
    }
    raw_lines = log.read_bytes().splitlines()
    for row in refused:
        sent = _attributes(raw_lines[row["line"] - 1])
        for name in ("id", "type", "subject"):
            value = sent.get(name)
            readable = isinstance(value, str) and 0 < len(value) <= 200
            assert row[name] == (value if readable else None)
    assert any(row["subject"] for row in refused) and any(row["id"] is None for row in refused)


def _attributes(raw: bytes) -> dict:
    try:
        obj = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return {}
    return obj if isinstance(obj, dict) else {}


def test_refused_lines_are_written_as_sent_only_when_asked(rules, log, tmp_path):
    _, refused = replay_to(rules, [log], tmp_path / "rejected.jsonl", include_raw=True)
    raw_lines = log.read_bytes().splitlines()
    assert refused
    assert all(row["raw"].encode() == raw_lines[row["line"] - 1] for row in refused)


def test_the_same_log_on_standard_input_gives_the_same_result(rules, log, monkeypatch):
    with log.open("rb") as stdin:
        monkeypatch.setattr("sys.stdin", io.TextIOWrapper(stdin))
        from_stdin = replay_logs([STDIN], rules, show_progress=False, workers=3).result
    assert from_stdin == replay([log], rules, show_progress=False)


def test_workers_share_the_cases_and_agree_with_one_fold(rules, log, tmp_path):
    one, refused_by_one = replay_to(rules, [log], tmp_path / "one.jsonl", workers=1)
    three, refused_by_three = replay_to(rules, [log], tmp_path / "three.jsonl", workers=3)
    assert three == one
    assert refused_by_three == refused_by_one


def test_a_gzipped_log_gives_the_same_result(rules, log, tmp_path):
    packed = tmp_path / "pilot.jsonl.gz"
    packed.write_bytes(gzip.compress(log.read_bytes()))
    plain = replay([log], rules, show_progress=False)
    assert replay([packed], rules, show_progress=False) == plain


def test_a_log_split_over_files_gives_the_same_figures(rules, log, tmp_path):
    lines = log.read_bytes().splitlines(keepends=True)
    first, second = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    first.write_bytes(b"".join(lines[: len(lines) // 2]))
    second.write_bytes(b"".join(lines[len(lines) // 2 :]))
    whole = replay([log], rules, show_progress=False)
    assert replay([first, second], rules, show_progress=False) == whole


def test_as_of_a_date_counts_only_what_had_happened(rules, log):
    latest = replay([log], rules, show_progress=False)
    earlier = replay([log], rules, as_of=dt.date(2024, 12, 31), show_progress=False)
    assert earlier.as_of == dt.date(2024, 12, 31)
    assert 0 < earlier.sites["all"]["applications"] < latest.sites["all"]["applications"]
    assert earlier.accepted == latest.accepted  # the event counts cover the whole log


def test_a_corrupt_gzip_log_is_a_read_error_not_a_crash(rules, log, tmp_path):
    packed = gzip.compress(log.read_bytes())
    corrupt = tmp_path / "corrupt.jsonl.gz"
    corrupt.write_bytes(packed[:20] + bytes(b ^ 0x55 for b in packed[20:200]) + packed[200:])
    with pytest.raises(LogFileError, match="cannot read"):
        replay([corrupt], rules, show_progress=False)
