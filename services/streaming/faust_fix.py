"""A work-around for faust-streaming issue #596 (open in 0.15.3): events lost after a restart.

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

Verified on faust-streaming 0.15.3 with aiokafka 0.14.0; pyproject.toml pins both to those minor
versions. Before raising either pin:
1. Re-read, in faust/tables/recovery.py, `Recovery.on_recovery_completed` and
   `Recovery._resume_streams` (both wrapped here; the second is private), and, in
   faust/transport/consumer.py, `Consumer.resume_partitions` (replaced here),
   `Consumer.perform_seek` and `Consumer.getmany`. If both recovery steps now seek before they
   resume, #596 is fixed upstream and this module can go; if either was renamed or calls its
   seek from another method, move the wrapping there.
2. Run `.venv/bin/pytest tests/faults/test_faust_fix.py` (no broker) and
   `.venv/bin/pytest tests/faults/test_workers_killed.py` (each worker killed under load and
   restarted, on the embedded broker).
No release fixing #596 was found in faust-streaming's issue tracker or changelog (searched
2026-11).
"""

import functools
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from typing import Any

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
    _applied = True
