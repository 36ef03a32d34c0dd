"""The hostile corpus: committed as generated, and every line given the outcome on record."""

import io

import orjson
import pytest

from services.core.validation import REJECTION_REASONS
from services.evaluator.rejected import write_refusals
from services.evaluator.replay import replay_logs
from tests.corpus import EXPECTED_FILE, hostile_lines, read_outcomes
from tests.corpus.expected import ACCEPTED, DUPLICATE, expected_outcomes
from tests.corpus.hostile import BIG, CORPUS_FILE, big_lines, committed_file, corpus_lines

REGENERATE = "review the change, then write the files again: python -m tests.corpus"


@pytest.fixture(scope="module")
def lines() -> list[bytes]:
    return hostile_lines()


@pytest.fixture(scope="module")
def log(tmp_path_factory, lines):
    path = tmp_path_factory.mktemp("corpus") / "hostile.jsonl"
    path.write_bytes(b"".join(line + b"\n" for line in lines))
    return path


def test_the_committed_corpus_is_what_the_generator_makes():
    assert CORPUS_FILE.read_bytes() == committed_file(), REGENERATE


def test_the_corpus_has_every_outcome_and_its_big_lines_are_made_at_test_time():
    committed, big = corpus_lines(), big_lines()
    assert len(committed) >= 200
    assert max(len(line) for line in committed) < 1_000_000
    assert min(len(line) for line in big) >= BIG
    assert set(read_outcomes(EXPECTED_FILE)) == {ACCEPTED, DUPLICATE, *REJECTION_REASONS}


def test_each_line_has_the_outcome_on_record(rules, lines):
    assert expected_outcomes(lines, rules) == read_outcomes(EXPECTED_FILE), REGENERATE


@pytest.mark.parametrize("workers", [1, 2])
def test_the_replay_gives_each_line_of_the_corpus_its_outcome_once(rules, log, workers):
    # when the corpus is replayed from a file, in one process or shared by case between two
    replayed = replay_logs([log], rules, show_progress=False, workers=workers)
    result, refusals = replayed.result, replayed.refusals
    # then each refused line is refused once, for the reason on record
    expected = read_outcomes(EXPECTED_FILE)
    refused = [(refusal.token[1], refusal.rejection.reason) for refusal in refusals]
    assert refused == [
        (number, outcome)
        for number, outcome in enumerate(expected, 1)
        if outcome not in (ACCEPTED, DUPLICATE)
    ]
    # and the rest are counted as accepted or duplicates, as on record
    assert (result.accepted, result.duplicates) == (
        expected.count(ACCEPTED),
        expected.count(DUPLICATE),
    )
    assert result.lines == len(expected)


def test_the_rejected_rows_of_the_corpus_carry_no_line_and_no_data_value(rules, log):
    refusals = replay_logs([log], rules, show_progress=False).refusals
    out = io.BytesIO()
    write_refusals(out, [log], refusals)
    rows = [orjson.loads(row) for row in out.getvalue().splitlines()]
    assert len(rows) == len(refusals)
    assert {tuple(row) for row in rows} == {
        ("path", "line", "reason", "detail", "id", "type", "subject")
    }
    assert all(len(row[name] or "") <= 200 for row in rows for name in ("id", "type", "subject"))
    for data_value in (b"a name", b"x" * 10, b"9" * 10):  # values of the corpus's lines
        assert data_value not in out.getvalue()
