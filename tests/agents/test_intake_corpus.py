"""The hostile corpus through the intake worker: each line gets the outcome the replay gives it.

Every line goes through re-keying and then admission, as on the live topics; at the end a tick
comes from a business date past the hold limit of everything held (the corpus has events dated
up to the last date the contract allows), so what still waits is refused as a replay refuses it
at the end of its log.
"""

import datetime as dt
from collections import Counter

from services.bootstrap import build_intake
from tests.agents.conftest import headers_of, tick_on
from tests.corpus import EXPECTED_FILE, hostile_lines, read_outcomes

ACCEPTED, DUPLICATE = "accepted", "duplicate"


async def test_the_corpus_gets_the_replays_outcomes_in_intake(build, settings, record):
    # given the corpus, and intake's sends recorded
    intake = build(build_intake, settings)
    by_case, accepted = record(intake.by_case), record(intake.case_events)
    dead = record(intake.dead_letter_topic)
    lines = hostile_lines()
    # when every line is re-keyed and admitted, and the clock then passes every hold limit
    async with intake.route.test_context() as agent:
        for raw in lines:
            await agent.put(raw, key=b"any")
    async with intake.admit.test_context() as agent:
        for message in by_case.messages:
            await agent.put(message["value"], key=message["key"], headers=message["headers"])
        value, headers = tick_on(intake, dt.date(2100, 12, 31))
        await agent.put(value, key=b"", headers=headers)
    # then each line's outcome is the one the replay gives it
    assert _outcomes(lines, accepted.values, dead.messages) == read_outcomes(EXPECTED_FILE)


def _outcomes(lines: list[bytes], accepted: list[bytes], dead: list[dict]) -> list[str]:
    refused = {int(headers_of(m)["source-offset"]): headers_of(m)["reason"].decode() for m in dead}
    passed_on = Counter(accepted)
    outcomes = []
    for number, raw in enumerate(lines):
        if number in refused:
            outcomes.append(refused[number])
        elif passed_on[raw] > 0:
            passed_on[raw] -= 1
            outcomes.append(ACCEPTED)
        else:
            outcomes.append(DUPLICATE)
    return outcomes
