"""The workers of `pathfinder up`: each runs under a guard, is started again with backoff when it
dies on its own, and is given up on when it keeps dying.
"""

import logging
import os
import signal
import sys
from collections import deque
from dataclasses import dataclass
from pathlib import Path

from services.config import EMBEDDED_BROKER_FETCH_WAIT_MS, Settings
from services.stack.children import GuardedProcess, describe_exit

# faust stops in about a second; three workers stop together, so this bounds them all.
GRACE_SECONDS = 10.0
# Tables on the embedded broker are small: a rebalance, recovery included, takes seconds.
EMBEDDED_REBALANCE_LIMIT = 60


@dataclass(frozen=True)
class RestartPolicy:
    """Wait 1, 2, 4 ... s (at most `longest_delay`) before a restart, the wait doubling with each
    death within `window` seconds; give up at the `limit`th death within it."""

    limit: int = 5
    window: float = 300.0
    first_delay: float = 1.0
    longest_delay: float = 30.0

    def delay(self, recent_deaths: int) -> float:
        """Seconds to wait before the next start."""
        return float(min(self.first_delay * 2 ** (recent_deaths - 1), self.longest_delay))


class Worker:
    """One service's worker process, as the supervisor and the live view see it."""

    def __init__(
        self,
        service: str,
        environment: dict[str, str],
        log_path: Path,
        policy: RestartPolicy,
        log: logging.Logger,
    ) -> None:
        self.service = service
        self.log_path = log_path
        self.restarts = 0
        self.last_exit: int | None = None
        self.process: GuardedProcess | None = None
        self._environment = environment
        self._policy = policy
        self._log = log
        self._deaths: deque[float] = deque()
        self._restart_at = 0.0

    @property
    def state(self) -> str:
        return "up" if self.process is not None else "restarting"

    def start(self) -> None:
        module = f"services.{self.service}.app"
        command = [sys.executable, "-m", "faust", "-A", module, "worker", "-l", "warn"]
        self.process = GuardedProcess(
            command, self.log_path, self._environment, signal.SIGTERM, GRACE_SECONDS
        )
        self._log.info("%s started (guard pid %d)", self.service, self.process.pid)

    def supervise(self, now: float) -> str | None:
        """Notice a death and restart when due; the reason to give up, if it has come to that."""
        if self.process is None:
            if now >= self._restart_at:
                self.restarts += 1
                self.start()
            return None
        code = self.process.poll()
        return None if code is None else self._died(code, now)

    def _died(self, code: int, now: float) -> str | None:
        self.process, self.last_exit = None, code
        self._deaths.append(now)
        while self._deaths[0] < now - self._policy.window:
            self._deaths.popleft()
        deaths = len(self._deaths)
        if deaths >= self._policy.limit:
            minutes = self._policy.window / 60
            return (
                f"{self.service} failed {deaths} times within {minutes:g} minutes"
                f" (the last time: {describe_exit(code)}); its log: {self.log_path}"
            )
        delay = self._policy.delay(deaths)
        self._restart_at = now + delay
        self._log.warning(
            "%s exited (%s); restarting it in %g s", self.service, describe_exit(code), delay
        )
        return None


def worker_environment(settings: Settings, port: int) -> dict[str, str]:
    """The supervisor's environment with the broker, the business clock and the worker's ports."""
    embedded = settings.kafka_bootstrap is None
    environment = {
        **os.environ,
        "PATHFINDER_KAFKA_BOOTSTRAP": settings.bootstrap,
        "PATHFINDER_CLOCK": settings.clock,
        "PATHFINDER_METRICS_PORT": str(port),
        # reporting's /cases, on the port and address the port check found free
        "PATHFINDER_REPORTING_ADMIN_PORT": str(settings.reporting_admin_port),
        "PATHFINDER_ADMIN_HOST": settings.admin_host,
    }
    if embedded:  # it never expels a member stuck in a rebalance; the worker ends itself sooner
        environment.setdefault("PATHFINDER_REBALANCE_LIMIT_SECONDS", str(EMBEDDED_REBALANCE_LIMIT))
        # it answers a waiting fetch only on a check every half wait (services/config.py)
        environment.setdefault("PATHFINDER_FETCH_WAIT_MS", str(EMBEDDED_BROKER_FETCH_WAIT_MS))
    return environment
