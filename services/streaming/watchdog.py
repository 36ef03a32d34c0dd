"""A worker stuck in a consumer-group rebalance ends itself, so whatever supervises it (`pathfinder
up`, Docker's restart policy, Kubernetes) starts it afresh.

faust can wait for ever inside a rebalance (a commit that never finishes while the group waits
for this member; faust-streaming #133, robinhood/faust #402 describe the kind), and then it does
not stop on SIGTERM either. Nothing is lost by ending it: offsets are committed only after what
they cover was sent, so the next worker handles again what this one had not finished.
"""

import logging
import os
import time
from collections.abc import Callable
from typing import Any

logger = logging.getLogger(__name__)

EXIT_STUCK = 75  # EX_TEMPFAIL: try again


class RebalanceWatchdog:
    """Tells how long the app has been rebalancing, and ends the process past the limit."""

    def __init__(
        self,
        app: Any,
        limit_seconds: float,
        now: Callable[[], float] = time.monotonic,
        end: Callable[[int], None] = os._exit,
    ) -> None:
        self._app = app
        self._limit = limit_seconds
        self._now = now
        self._end = end
        self._since: float | None = None

    def stuck(self) -> bool:
        """Whether the current rebalance has lasted longer than the limit."""
        if not self._app.rebalancing:
            self._since = None
            return False
        if self._since is None:
            self._since = self._now()
        return self._now() - self._since > self._limit

    def check(self) -> None:
        """End the process if it is stuck; its log says why, without any case data."""
        if self.stuck():
            logger.critical(
                "stuck in a rebalance for over %g s: ending the worker to be started afresh",
                self._limit,
            )
            for handler in logging.getLogger().handlers:
                handler.flush()  # the process ends without the usual clean-up
            self._end(EXIT_STUCK)
