"""The replay's fast paths give what the general paths give, on any log.

`ReplayFold.ingest_lines` applies the common event without the ledger's outcomes; `shards_of`
routes a block of lines in bulk; `line_blocks` cuts a file into lines a block at a time. Each is
held here to the general way it short-cuts (`ingest` line by line, `shard_of`, iterating over the
file), on shuffled case histories with copies, lost prerequisites, conflicts and bad lines.
"""

import io
from itertools import count

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.core.fold import ReplayFold
from services.core.routing import shard_of, shards_of
from services.evaluator.reading import line_blocks, pick, unpick
from tests.builders import event, line
from tests.property.test_hostile_input import any_line
from tests.property.test_order_independence import case_histories


@st.composite
def messy_logs(draw) -> list[bytes]:
    """Case histories shuffled, with copies, events lost or changed, and bad lines mixed in."""
    cases = [draw(case_histories(number)) for number in range(draw(st.integers(1, 5)))]
    events = [e for history in cases for e in history]
    lost = draw(st.lists(st.integers(0, len(events) - 1), max_size=3))
    events = [e for index, e in enumerate(events) if index not in lost]
    for _ in range(draw(st.integers(0, 3)) if events else 0):  # a case's event on another site
        changed = dict(draw(st.sampled_from(events)), id=f"changed-{draw(st.integers(0, 99))}")
        events.append(changed | {"site": draw(st.sampled_from(["dorset", "north-wales"]))})
    lines = [line(e) for e in events]
    if lines:
        lines += draw(st.lists(st.sampled_from(lines), max_size=6))  # copies
    lines += draw(st.lists(any_line, max_size=4))
    if draw(st.booleans()):  # the same id in another case is no copy
        lines.append(line(event("HearingHeld", subject="PF-OTHER") | {"id": "evt-1"}))
    return draw(st.permutations(lines))


def folded_line_by_line(rules, lines: list[bytes]) -> tuple[ReplayFold, list]:
    fold = ReplayFold(rules)
    refusals = [r for number, raw in enumerate(lines, 1) for r in fold.ingest(raw, (number, raw))]
    return fold, refusals + fold.finish()


def folded_in_blocks(rules, lines: list[bytes], block: int) -> tuple[ReplayFold, list]:
    fold, refusals = ReplayFold(rules), []
    for start in range(0, len(lines), block):
        numbered = zip(count(start + 1), lines[start : start + block])
        refusals += fold.ingest_lines(numbered, lambda number, raw: (number, raw))
    return fold, refusals + fold.finish()


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(messy_logs(), st.integers(1, 50))
def test_the_fast_fold_equals_the_general_fold_line_by_line(rules, lines, block):
    # given a messy log, folded line by line through the ledger, and in blocks by the fast path
    general, general_refusals = folded_line_by_line(rules, lines)
    fast, fast_refusals = folded_in_blocks(rules, lines, block)
    # then the same lines are refused for the same reasons, in the same order
    assert fast_refusals == general_refusals
    # and the counts, figures and every case's state and ledger are the same
    assert fast.counts == general.counts
    assert fast.result() == general.result()
    assert fast.states() == general.states()
    for reference, ledger in general.cases.items():
        assert fast.cases[reference].ids == ledger.ids
        assert fast.cases[reference].held == ledger.held


plain_or_not = st.one_of(
    st.builds(
        lambda e: line(e),
        st.sampled_from(["PF-1", "PF-2", "PF-3", "PF-\u00e9"]).map(
            lambda subject: event("HearingHeld", subject=subject)
        ),
    ),
    any_line,
    st.just(b'{"subject": "PF-1", "x": "\\"subject\\""}'),
    st.just(b'{"source":"subject","subject":"PF-9"}'),
    st.just(b'{"subject":"PF-1","subject":"PF-2"}'),  # the last key counts
    st.just(b'{"subject":"PF-1","x":"subject"}'),
    st.just(b'{"subject":"' + b"R" * 801 + b'"}'),
    st.just(b"\xef\xbb\xbf" + line(event("HearingHeld", subject="PF-2"))),
)


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(plain_or_not, max_size=30), st.integers(1, 4))
def test_routing_a_block_equals_routing_each_line(lines, shards):
    lines = [raw + b"\n" for raw in lines]
    assert shards_of(lines, shards) == [shard_of(raw, shards) for raw in lines]


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.binary(max_size=40).filter(lambda raw: b"\n" not in raw), max_size=20),
    st.booleans(),
    st.integers(1, 64),
)
def test_blocks_of_lines_are_the_lines_iteration_gives(pieces, final_line_end, size):
    # given bytes with line ends (CR alone and CRLF included), maybe without a final one
    data = b"\n".join(pieces) + (b"\n" if final_line_end else b"")
    # when read a block at a time
    blocks = list(line_blocks(io.BytesIO(data), size))
    # then the lines are those of iterating over the file, each once, in order
    assert [raw for block in blocks for raw in block] == list(io.BytesIO(data))
    assert all(blocks)


@given(st.lists(st.binary(max_size=20).map(lambda raw: raw.replace(b"\n", b"") + b"\n")))
def test_picked_lines_come_back_with_their_numbers(lines):
    chosen = [len(raw) % 2 == 0 for raw in lines]
    numbers, joined = pick(lines, 7, chosen)
    expected = [(7 + i, raw) for i, raw in enumerate(lines) if chosen[i]]
    assert list(unpick(numbers, joined)) == expected
