"""The simulator `pathfinder up` runs by default: a year of every pilot site, published at a
steady rate from a background thread until it is told to stop.
"""

import asyncio
import datetime as dt
import logging
import threading
from collections.abc import Coroutine, Iterator
from typing import Any

from services.config import Settings
from services.reference.sites_file import load_sites
from services.simulator import SimulationConfig, simulate
from services.stack.kafka_io import publish_lines
from services.topics import Topics


def simulated_lines(seed: int = 2025) -> Iterator[bytes]:
    """A year of every pilot site, as the simulator writes it."""
    registry = load_sites()
    config = SimulationConfig(
        cases=3000, seed=seed, sites=tuple(registry), start=dt.date(2025, 1, 1),
        end=dt.date(2025, 12, 31), noise=0.01,
    )  # fmt: skip
    return simulate(config, registry)


class Simulator:
    """Publishes the simulated year to the inbound topic at `per_second` events a second."""

    def __init__(self, settings: Settings, per_second: float, log: logging.Logger) -> None:
        self._log = log
        self._bootstrap = settings.bootstrap
        self._topic = Topics(settings.topic_prefix).court_events
        self._per_second = per_second
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        lines = simulated_lines()
        work = publish_lines(self._bootstrap, self._topic, lines, self._per_second, self._stop)
        # A daemon: if it overruns its stop, it must not keep the supervisor from exiting.
        self._thread = threading.Thread(target=self._publish, args=(work,), daemon=True)
        self._thread.start()

    def _publish(self, work: Coroutine[Any, Any, int]) -> None:
        try:
            sent = asyncio.run(work)
        except Exception:  # to the supervisor's log: the terminal shows the view
            self._log.exception("the simulator failed")
        else:
            self._log.info("the simulator sent %d events", sent)

    def stop(self, grace: float) -> None:
        """Ask it to stop after the event it is sending; wait up to `grace` seconds."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(grace)
