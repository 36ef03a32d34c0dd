"""Poison messages of every kind at the start, middle and end of a stream: each dead-lettered,
and the partitions keep flowing.

The hostile corpus (tests/corpus) goes in before, among and after a simulated log: every reason
for refusal, broken bytes, deep nesting, repeated keys, dates and lengths at their limits,
events at the contract's 1 MiB limit and 10 MB lines (once, in the middle). A dead letter that
would pass Kafka's message limit is truncated, with a header giving its original length.

The later copies leave out the lines that wait for a prerequisite which never comes: live, such
a line is refused once the hold limit has passed on the business clock, after which a copy of it
is new and waits again, while a replay holds the first to the end of the log and counts the
copies as duplicates.
"""

import pytest

from services.streaming.dead_letters import DEAD_LETTER_LIMIT, TRUNCATED_HEADER
from tests.corpus import EXPECTED_FILE, read_outcomes
from tests.corpus.hostile import big_lines, corpus_lines, limit_lines
from tests.e2e.expectations import assert_settles_on_the_replay, replay_lines
from tests.e2e.harness import Pipeline
from tests.e2e.test_pipeline import simulated_log

pytestmark = pytest.mark.e2e
WAITS = "missing_prerequisite"


def test_poison_anywhere_is_dead_lettered_and_everything_else_flows(tmp_path, rules):
    # given the corpus at the start, in the middle (with the big lines) and at the end of a log
    simulated = simulated_log(tmp_path, rules).read_bytes().splitlines()
    body, closing = simulated[:-1], simulated[-1:]  # the last line moves the clock past holds
    middle = len(body) // 2
    poison = corpus_lines()
    outcomes = read_outcomes(EXPECTED_FILE)
    again = [line for line, outcome in zip(poison, outcomes, strict=False) if outcome != WAITS]
    lines = [
        *poison, *body[:middle], *again, *limit_lines(), *big_lines(), *body[middle:],
        *again, *closing,
    ]  # fmt: skip
    (tmp_path / "poisoned.jsonl").write_bytes(b"".join(line + b"\n" for line in lines))
    expected, refused = replay_lines(lines, rules)
    with Pipeline(tmp_path, PATHFINDER_HOLD_LIMIT_DAYS="30") as pipeline:
        # when it is published as one stream
        pipeline.publish(lines[:-1])
        pipeline.publish(lines[-1:])
        # then the figures, the dead letters and their counts settle on the replay's
        assert_settles_on_the_replay(pipeline, expected, refused)
        # and the dead letters too long for Kafka were cut to fit, saying so
        dead = pipeline.read_keyed(pipeline.topics.dead_letter)
        cut = [(value, headers) for _, value, headers in dead if TRUNCATED_HEADER in headers]
        assert len(cut) >= len(big_lines()) + 1  # the 10 MB lines and the one past 1 MiB
        for value, headers in cut:
            size = len(value) + sum(len(name) + len(text) for name, text in headers.items())
            assert size <= DEAD_LETTER_LIMIT < int(headers[TRUNCATED_HEADER])
