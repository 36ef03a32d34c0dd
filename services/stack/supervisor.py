"""`pathfinder up`: the embedded broker (unless one is configured), the three workers, optionally
the simulator, and the live view, until SIGTERM, SIGINT, SIGHUP or the duration ends.

It owns what it starts. Nothing starts if a port it needs is taken. Each process runs under a
guard that stops it when the supervisor exits, even by SIGKILL. A worker that dies is started
again with backoff; one that keeps dying, or the broker dying (its topics live in memory), stops
everything with exit code 1. A stop signal stops the simulator, the workers, then the broker.
"""

import logging
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from services.config import Settings
from services.stack.live_view import LiveView, statuses
from services.stack.ports import check_ports_free, ports_needed, worker_ports
from services.stack.prometheus import prometheus_binary
from services.stack.readings import cases_url, read
from services.stack.stop_signals import StopSignals
from services.stack.system import System

VIEW_SECONDS = 2.0
POLL_SECONDS = 0.2


@contextmanager
def supervisor_log(path: Path) -> Iterator[logging.Logger]:
    """The supervisor's own log file: starts, exits, restarts, signals and stops, and what the
    Kafka clients (topic set-up, the simulator) report."""
    log, kafka_clients = logging.getLogger("pathfinder.up"), logging.getLogger("aiokafka")
    handler = logging.FileHandler(path)
    handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s"))
    log.setLevel(logging.INFO)
    for logger in (log, kafka_clients):
        logger.addHandler(handler)
        logger.propagate = False  # the operator's terminal gets the view, not these lines
    try:
        yield log
    finally:
        for logger in (log, kafka_clients):
            logger.removeHandler(handler)
            logger.propagate = True
        handler.close()


def up(
    settings: Settings,
    duration: float | None,
    simulate_rate: float | None,
    prometheus: bool = False,
    plain: bool = False,
) -> int:
    """Run until a stop signal or `duration` seconds: 0 then, 1 if it had to stop everything.
    With `prometheus`, a real Prometheus scrapes the workers and evaluates the project's rules."""
    if prometheus:
        prometheus_binary()  # a missing one is refused before anything starts
    check_ports_free(ports_needed(settings, prometheus))
    log_dir = settings.data_dir / "logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    with supervisor_log(log_dir / "supervisor.log") as log, StopSignals() as signals:
        log.info(
            "starting: Kafka at %s, metrics ports %s", settings.bootstrap, worker_ports(settings)
        )
        system = System(settings, log_dir, log, prometheus)
        started = time.monotonic()
        try:
            system.start(simulate_rate, lambda: signals.received is not None)
            view = _view(settings, log_dir, prometheus, plain)
            try:
                failure = _supervise(system, signals, duration, view)
            finally:
                view.close()
        finally:
            stopping_since = time.monotonic()
            system.stop()
            log.info("stopped in %.1f s, %.0f s after starting",
                     time.monotonic() - stopping_since, stopping_since - started)  # fmt: skip
    if failure is not None:
        print(f"pathfinder: stopped everything: {failure}", file=sys.stderr, flush=True)
        return 1
    return 0


def _view(settings: Settings, log_dir: Path, prometheus: bool, plain: bool) -> LiveView:
    ports = ", ".join(f":{port}" for port in worker_ports(settings).values())
    heading = f"pathfinder: Kafka at {settings.bootstrap}; metrics on {ports}; logs in {log_dir}"
    if prometheus:
        heading += f"; Prometheus at http://127.0.0.1:{settings.prometheus_port}"
    return LiveView(sys.stdout, heading, plain)


def _supervise(
    system: System, signals: StopSignals, duration: float | None, view: LiveView
) -> str | None:
    """Watch the parts until a stop signal or the duration; the reason to stop, on a failure."""
    deadline = float("inf") if duration is None else time.monotonic() + duration
    next_view = time.monotonic()
    while signals.received is None and time.monotonic() < deadline:
        now = time.monotonic()
        failure = system.check(now)
        if failure is not None:
            system.log.error("stopping everything: %s", failure)
            return failure
        if now >= next_view:
            settings = system.settings
            view.show(statuses(system.workers), read(worker_ports(settings), cases_url(settings)))
            next_view = now + VIEW_SECONDS
        time.sleep(POLL_SECONDS)
    system.log.info("stopping: %s", signals.received or "the duration ended")
    if signals.received:
        print(f"\npathfinder: {signals.received} received; stopping", flush=True)
    return None
