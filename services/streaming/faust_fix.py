"""Two work-arounds for faust-streaming (0.15.3) skipping input records around rebalances.

**Resume before seek** (issue #596, open in 0.15.3): events lost after a restart.

After a rebalance, faust's recovery resumes the input partitions and only then seeks them back
to the committed offsets (`Recovery.on_recovery_completed`, and `Recovery._resume_streams` for an
app without tables). Records fetched in that window are dropped while the read offset moves past
them: a gap of events never processed, and, since faust commits only contiguous offsets, a
partition whose commits stall for good. Measured here with a worker killed under load: 7 of 12
restarts lost events without a fix.

The fix: the partitions one of those two recovery steps resumes stay paused until the step has
returned, so until its own seek has finished, whatever other seeks run meanwhile (faust's fetcher
seeks too, from `Consumer.getmany`, when flow is not active). If the step fails (its seek times
out, a new rebalance starts, the worker stops) or a rebalance happened while it ran, they stay
paused and the next recovery resumes them. Resumes from anywhere else pass straight through.
`apply()` runs once, before any app starts.

**Fetched, never delivered.** Seen here in scale-out runs: a worker that had just joined was
handed, as its first record of a partition, one 31 offsets past its committed offset, and faust's
drain loop treated the jump as a gap to commit over, as it does for a compacted or transactional
topic; those events were never processed. The jump comes from faust's `Consumer.getmany`: it
drops records the client has already fetched (its position has moved past them) when the flow
stops or the generation changes in the middle of a batch. The fix notes what each fetch returned
and, once `getmany` is done with the batch, seeks every partition with records it did not deliver
back to the first of them. It needs no contiguous offsets, so compacted topics are handled alike.

Verified on faust-streaming 0.15.3 with aiokafka 0.14.0; pyproject.toml pins both to those minor
versions. Before raising either pin:
1. Re-read, in faust/tables/recovery.py, `Recovery.on_recovery_completed` and
   `Recovery._resume_streams` (both wrapped here; the second is private), and, in
   faust/transport/consumer.py, `Consumer.resume_partitions` (replaced here),
   `Consumer.perform_seek`, and `Consumer.getmany` and `_wait_next_records` (wrapped here). If both
   recovery steps now seek before they resume, #596 is fixed upstream and that part can go; if
   `getmany` no longer drops fetched records, the second part can go; if a method was renamed
   or its seek moved, move the wrapping there.
2. Run `.venv/bin/pytest tests/faults/test_faust_fix.py` (no broker) and
   `.venv/bin/pytest tests/faults/test_workers_killed.py` (each worker killed under load and
   restarted, on the embedded broker).
No release fixing #596 was found in faust-streaming's issue tracker or changelog (searched
2026-11).
"""

import functools
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextvars import ContextVar
from typing import Any

logger = logging.getLogger(__name__)
_applied = False


class _HeldResumes:
    """The partitions a running recovery step asked to resume."""

    def __init__(self) -> None:
        self.partitions: set[Any] = set()
        # Tasks the step starts (the fetcher) inherit its context: once the step has ended,
        # their resumes must not land in a set nobody will release.
        self.open = True


_held: ContextVar[_HeldResumes | None] = ContextVar("pathfinder_held_resumes", default=None)


def apply() -> None:
    """Patch faust so no partition a recovery step resumes is fetched before that step's seek."""
    global _applied
    if _applied:
        return
    from faust.tables.recovery import Recovery
    from faust.transport.consumer import Consumer

    resume = Consumer.resume_partitions

    def resume_partitions(self: Any, partitions: Any) -> None:
        held = _held.get()
        if held is not None and held.open:
            held.partitions.update(partitions)
        else:
            resume(self, partitions)

    def resuming_after(step: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
        @functools.wraps(step)
        async def step_then_resume(self: Any, *args: Any, **kwargs: Any) -> Any:
            generation = self.app.consumer_generation_id
            held = _HeldResumes()
            token = _held.set(held)
            try:
                result = await step(self, *args, **kwargs)
            finally:
                held.open = False
                _held.reset(token)
            if held.partitions and self.app.consumer_generation_id == generation:
                resume(self.app.consumer, held.partitions)
            return result

        return step_then_resume

    Consumer.resume_partitions = resume_partitions  # type: ignore[method-assign, assignment]
    Recovery.on_recovery_completed = resuming_after(Recovery.on_recovery_completed)  # type: ignore[method-assign, assignment]
    Recovery._resume_streams = resuming_after(Recovery._resume_streams)  # type: ignore[method-assign, assignment]
    _redeliver_what_was_not_delivered(Consumer)
    _applied = True


def _redeliver_what_was_not_delivered(consumer_class: Any) -> None:
    """Wrap `getmany` so records it fetched and dropped are read again: each partition with such
    records is sought back to the first of them once the batch is done."""
    wait_next_records, getmany = consumer_class._wait_next_records, consumer_class.getmany

    async def wait_next_records_noting(self: Any, timeout: float) -> Any:
        records, active_partitions = await wait_next_records(self, timeout)
        self.__dict__["_pathfinder_fetched"] = records
        return records, active_partitions

    async def getmany_redelivering(self: Any, timeout: float) -> AsyncIterator[tuple[Any, Any]]:
        self.__dict__["_pathfinder_fetched"] = None
        last_delivered: dict[Any, int] = {}
        try:
            async for partition, message in getmany(self, timeout):
                last_delivered[partition] = message.offset
                yield partition, message
        finally:
            fetched = self.__dict__.pop("_pathfinder_fetched", None) or {}
            await _seek_back_to_the_undelivered(self, fetched, last_delivered)

    consumer_class._wait_next_records = wait_next_records_noting
    consumer_class.getmany = getmany_redelivering


async def _seek_back_to_the_undelivered(
    consumer: Any, fetched: dict[Any, list[Any]], last_delivered: dict[Any, int]
) -> None:
    for partition, records in fetched.items():
        last = last_delivered.get(partition)
        undelivered = [r.offset for r in records if last is None or r.offset > last]
        if not undelivered:
            continue
        logger.info(
            "%s: %s records fetched and not delivered; reading from %s again",
            partition, len(undelivered), undelivered[0],
        )  # fmt: skip
        try:
            await consumer.seek(partition, undelivered[0])
        except Exception:  # no longer assigned: its new owner reads from the committed offset
            logger.info("%s: no longer assigned, not sought back", partition)
