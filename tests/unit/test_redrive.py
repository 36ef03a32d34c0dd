"""Which dead letters `pathfinder redrive` sends again, and its command line."""

import datetime as dt

import pytest

from services.cli.main import main
from services.core.validation import Rejection
from services.stack.redrive import DeadLetterRecord, select, summary
from services.streaming.dead_letters import TRUNCATED_HEADER, Position, dead_letter
from services.topics import Topics

TOPICS = Topics("pf")
MISSING = Rejection("missing_prerequisite", "HearingHeld never received its ApplicationIssued")
INBOUND = Position(TOPICS.court_events, 1, 10)


def at(when: str) -> int:
    """Milliseconds since the epoch of an RFC 3339 time."""
    return int(dt.datetime.fromisoformat(when).timestamp() * 1000)


def letter(
    raw: bytes = b'{"id": "e-1"}',
    rejection: Rejection = MISSING,
    where: Position = INBOUND,
    worker: str = "intake",
    written: str = "2025-03-10T12:00:00+00:00",
    key: bytes = b"PF-DOR-000001",
) -> DeadLetterRecord:
    value, headers = dead_letter(raw, rejection, where, worker)
    return DeadLetterRecord(key, value, headers, at(written))


def test_the_dead_letters_of_the_reason_from_an_inbound_topic_are_chosen():
    chosen = letter()
    hop = letter(b'{"id": "e-2"}', where=Position(TOPICS.intake_by_case, 0, 3))
    records = [
        chosen,
        hop,
        letter(b'{"id": "e-3"}', Rejection("conflict", "x")),
        letter(b'{"id": "e-4"}', where=Position(TOPICS.case_events, 0, 1), worker="gatekeeping"),
    ]

    selection = select(records, "missing_prerequisite", None, TOPICS)

    assert selection.chosen == [chosen, hop]
    assert (selection.read, selection.other_reason, selection.not_inbound) == (4, 1, 1)


def test_since_is_the_date_the_dead_letter_was_written_in_london():
    # 23:30 UTC on 30 March 2025 is 00:30 on the 31st in London (BST from the 30th)
    late = letter(b'{"id": "late"}', written="2025-03-30T23:30:00+00:00")
    early = letter(b'{"id": "early"}', written="2025-03-30T22:59:00+00:00")

    selection = select([early, late], "missing_prerequisite", dt.date(2025, 3, 31), TOPICS)

    assert selection.chosen == [late]
    assert selection.earlier == 1


def test_a_truncated_dead_letter_is_left_and_counted():
    cut = letter(b"x" * 1_100_000)
    assert TRUNCATED_HEADER in cut.headers

    selection = select([cut], "missing_prerequisite", None, TOPICS)

    assert (selection.chosen, selection.truncated) == ([], 1)


def test_each_message_is_sent_once_however_many_dead_letters_it_has():
    first = letter()
    redelivered = letter()  # the same source position, dead-lettered again
    refused_again = letter(where=Position(TOPICS.court_events, 3, 99))  # a redrive refused again

    selection = select([first, redelivered, refused_again], "missing_prerequisite", None, TOPICS)

    assert selection.chosen == [first]
    assert selection.repeats == 2


def test_an_unknown_reason_is_refused():
    with pytest.raises(ValueError, match="unknown reason"):
        select([], "late", None, TOPICS)


def test_the_summary_says_what_was_sent_and_why_the_rest_was_left():
    records = [letter(), letter(b"x" * 1_100_000), letter(rejection=Rejection("conflict", "x"))]
    selection = select(records, "missing_prerequisite", None, TOPICS)

    assert summary(selection, 1, False, TOPICS) == (
        "read 3 dead letters from pf.dead-letter.v1, sent 1 to pf.court-events.v1; left 1 of"
        " another reason; 1 truncated (their bytes are not all there)"
    )
    assert "would send 1 to" in summary(selection, 0, True, TOPICS)


@pytest.mark.parametrize(
    ("argv", "complaint"),
    [
        (["redrive"], "the following arguments are required: --reason"),
        (["redrive", "--reason", "late"], "invalid choice: 'late'"),
        (["redrive", "--reason", "conflict", "--since", "31/03/2025"], "not a date"),
    ],
)
def test_a_usage_error_is_one_line_and_exit_status_2(capsys, argv, complaint):
    with pytest.raises(SystemExit) as exit_:
        main(argv)

    err = capsys.readouterr().err
    assert exit_.value.code == 2
    assert err.startswith("pathfinder: ") and err.count("\n") == 1 and complaint in err
