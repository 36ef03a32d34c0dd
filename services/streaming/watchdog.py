"""A stuck worker ends itself, so whatever supervises it (`pathfinder up`, Docker's restart
policy, Kubernetes) starts it afresh. Two kinds of stuck are watched:

- a consumer-group rebalance that lasts past its limit: faust can wait for ever inside one (a
  commit that never finishes while the group waits for this member; faust-streaming #133,
  robinhood/faust #402 describe the kind), and then it does not stop on SIGTERM either;
- a stall: a partition this worker consumes has messages waiting, yet its committed offset has
  not moved for the limit, whatever holds it (an agent awaiting something that never comes, a
  fetch that never returns).

Nothing is lost by ending it: offsets are committed only after what they cover was sent, so the
next worker handles again what this one had not finished. Before it ends, the worker logs where
each of its coroutines waits and which batches its producers hold (code locations and topic
partitions only, no case data), to show what held it.
"""

import logging
import os
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any, Protocol

from services.streaming.waiting import where_coroutines_wait

logger = logging.getLogger(__name__)

EXIT_STUCK = 75  # EX_TEMPFAIL: try again


class Watch(Protocol):
    def why_stuck(self) -> str | None:
        """Why the worker is stuck, or None while it is not."""


class _LimitedWatch:
    """A watch of a faust app against a time limit."""

    def __init__(
        self, app: Any, limit_seconds: float, now: Callable[[], float] = time.monotonic
    ) -> None:
        self._app = app
        self._limit = limit_seconds
        self._now = now


class RebalanceWatch(_LimitedWatch):
    """Stuck when the current rebalance has lasted longer than the limit."""

    _since: float | None = None

    def why_stuck(self) -> str | None:
        if not self._app.rebalancing:
            self._since = None
            return None
        if self._since is None:
            self._since = self._now()
        if self._now() - self._since > self._limit:
            return f"stuck in a rebalance for over {self._limit:g} s"
        return None


class ProgressWatch(_LimitedWatch):
    """Stuck when a partition it consumes has had messages waiting, and no offset committed,
    for longer than the limit. A rebalance (a table's recovery included) starts the watch again:
    the rebalance watch covers it."""

    def __init__(
        self, app: Any, limit_seconds: float, now: Callable[[], float] = time.monotonic
    ) -> None:
        super().__init__(app, limit_seconds, now)
        self._progress: dict[Any, tuple[int | None, float]] = {}  # tp: (committed, since when)

    def why_stuck(self) -> str | None:
        if self._app.rebalancing:
            self._progress.clear()
            return None
        assigned = self._app.consumer.assignment()
        self._progress = {tp: seen for tp, seen in self._progress.items() if tp in assigned}
        now, stalled = self._now(), []
        for tp, committed, waiting in self._partitions(assigned):
            seen = self._progress.get(tp)
            if not waiting or seen is None or seen[0] != committed:
                self._progress[tp] = (committed, now)
            elif now - seen[1] > self._limit:
                stalled.append(tp)
        if not stalled:
            return None
        where = ", ".join(f"{tp.topic}/{tp.partition}" for tp in sorted(stalled))
        return f"messages waiting and none handled for over {self._limit:g} s on {where}"

    def _partitions(self, assigned: Iterable[Any]) -> Iterable[tuple[Any, int | None, bool]]:
        """Each of `assigned` this worker's agents consume: its committed offset, and whether
        messages fetched for it wait beyond that offset (faust's monitor, as the lag gauge)."""
        monitor, acked = self._app.monitor, self._app.topics.acks_enabled_for
        for tp in assigned:
            if acked(tp.topic):
                end = monitor.tp_end_offsets.get(tp)
                committed = monitor.tp_committed_offsets.get(tp)
                waiting = end is not None and (committed is None or end - committed - 1 > 0)
                yield tp, committed, waiting


class Watchdog:
    """Looks at every watch; the first that finds the worker stuck ends the process."""

    def __init__(
        self,
        watches: Sequence[Watch],
        end: Callable[[int], None] = os._exit,
        waiting: Callable[[], list[str]] = where_coroutines_wait,
    ) -> None:
        self._watches = watches
        self._end = end
        self._waiting = waiting

    def why_stuck(self) -> str | None:
        """Why the worker is stuck, or None while it is not."""
        for watch in self._watches:
            why = watch.why_stuck()
            if why is not None:
                return why
        return None

    def check(self) -> None:
        """End the process if it is stuck; its log says why and where it waits."""
        why = self.why_stuck()
        if why is None:
            return
        logger.critical(
            "%s: ending the worker to be started afresh; its coroutines wait at:\n%s",
            why, "\n".join(self._waiting()),
        )  # fmt: skip
        for handler in logging.getLogger().handlers:
            handler.flush()  # the process ends without the usual clean-up
        self._end(EXIT_STUCK)
