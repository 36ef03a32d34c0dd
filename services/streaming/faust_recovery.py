"""Table recovery reads each changelog partition to its true end, however its records were batched.

faust's recovery reads a changelog partition up to the end offset the broker's ListOffsets
answer gives (`Recovery._build_highwaters`), and declares the table recovered once it has applied
the record before it. The embedded broker (Tansu) answers with the first offset of the
partition's last record batch plus one, so when a producer has put several records in that
batch, all but the first were fetched and never applied: a table recovered after a restart
missed its newest entries. (Until this fix the workers produced one record per batch on the
embedded broker, which cost most of their throughput.) Every fetch response carries the
partition's true end (its high watermark), from the embedded broker as from Kafka, and the
fetch that delivers the record before the ListOffsets end is one of them. So before faust checks
whether recovery is done, each active changelog partition's end is raised to the end its fetches
have reported. With Kafka the two ends agree and nothing changes.

Verified on faust-streaming 0.15.3 with aiokafka 0.14.0 (pinned in pyproject.toml). Before raising
either pin, re-read in faust/tables/recovery.py `Recovery.need_recovery` and
`Recovery.active_remaining` (wrapped here): recovery must still decide it is done from
`active_remaining`, and `active_highwaters` must still hold each partition's last offset (the end
minus one); then run `.venv/bin/pytest tests/unit/test_faust_recovery.py
tests/faults/test_workers_killed.py`.
"""

import functools
from collections.abc import Callable, MutableMapping
from typing import Any

_applied = False


def raise_to_fetched_ends(
    last_offsets: MutableMapping[Any, int], fetched_end: Callable[[Any], int | None]
) -> None:
    """Raise each partition's last offset to the one before the end its fetches reported."""
    for tp, last in list(last_offsets.items()):
        try:
            end = fetched_end(tp)
        except Exception:  # not assigned, or not fetched yet: the broker's answer stands
            continue
        if end is not None and last is not None and end - 1 > last:
            last_offsets[tp] = end - 1


def apply() -> None:
    """Make faust's recovery follow the fetched ends of its changelog partitions."""
    global _applied
    if _applied:
        return
    from faust.tables.recovery import Recovery

    active_remaining = Recovery.active_remaining

    @functools.wraps(active_remaining)
    def following_fetched_ends(self: Any) -> Any:
        raise_to_fetched_ends(self.active_highwaters, self.app.consumer.highwater)
        return active_remaining(self)

    Recovery.active_remaining = following_fetched_ends  # type: ignore[method-assign]
    _applied = True
