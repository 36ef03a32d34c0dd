"""Table recovery goes on to the end a fetch reported when the broker's ListOffsets answer is short.

The embedded broker answers ListOffsets with the first offset of a partition's last record batch
plus one; its fetch responses carry the true end. Recovery must read to the true end.
"""

import inspect
from collections import Counter
from types import SimpleNamespace

from faust.tables.recovery import Recovery
from faust.types import TP

from services.streaming import faust_recovery
from services.streaming.faust_recovery import raise_to_fetched_ends

CHANGELOG = TP("app-cases-changelog", 0)
OTHER = TP("app-cases-changelog", 1)


def recovery_at(offset: int, listed_last: int, fetched_end: int | None) -> Recovery:
    """A recovery that has applied `offset`, told by ListOffsets its last offset is `listed_last`
    and by its fetches that the partition ends at `fetched_end`."""
    recovery = Recovery.__new__(Recovery)
    recovery.active_highwaters = Counter({CHANGELOG: listed_last})
    recovery.active_offsets = Counter({CHANGELOG: offset})
    ends = {CHANGELOG: fetched_end}
    recovery.app = SimpleNamespace(consumer=SimpleNamespace(highwater=ends.__getitem__))
    return recovery


def test_recovery_is_not_done_at_the_start_of_the_last_batch():
    # given a last batch of offsets 5..7: ListOffsets says the end is 6, a fetch says 8
    faust_recovery.apply()
    recovery = recovery_at(offset=5, listed_last=5, fetched_end=8)
    # then the record at 5 does not end recovery; 7 does
    assert recovery.need_recovery()
    assert recovery.active_remaining()[CHANGELOG] == 2
    recovery.active_offsets[CHANGELOG] = 7
    assert not recovery.need_recovery()


def test_an_unfetched_partition_keeps_the_brokers_answer():
    faust_recovery.apply()
    recovery = recovery_at(offset=-1, listed_last=5, fetched_end=None)
    assert recovery.active_remaining()[CHANGELOG] == 6


def test_ends_only_ever_rise():
    last_offsets = {CHANGELOG: 9, OTHER: 3}
    fetched = {CHANGELOG: 4, OTHER: 11}  # a stale fetch of the first partition

    def fetched_end(tp: TP) -> int:
        if tp not in fetched:
            raise AssertionError("not assigned")
        return fetched[tp]

    raise_to_fetched_ends(last_offsets, fetched_end)
    assert last_offsets == {CHANGELOG: 9, OTHER: 10}


def test_a_partition_the_consumer_cannot_answer_for_is_left_as_it_is():
    def unassigned(tp: TP) -> int:
        raise RuntimeError("No current assignment for partition")

    last_offsets = {CHANGELOG: 2}
    raise_to_fetched_ends(last_offsets, unassigned)
    assert last_offsets == {CHANGELOG: 2}


def test_faust_still_decides_recovery_is_done_from_active_remaining():
    # the upgrade check of services/streaming/faust_recovery.py, made executable
    assert "self.active_remaining()" in inspect.getsource(Recovery.need_recovery)
    assert "active_highwaters" in inspect.getsource(Recovery.active_remaining.__wrapped__)
    assert "value - 1" in inspect.getsource(Recovery._build_highwaters)
