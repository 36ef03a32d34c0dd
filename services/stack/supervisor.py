"""`pathfinder up`: the embedded broker (unless one is configured), the three workers, optionally
the simulator, and a live per-site view of the metrics, until Ctrl-C or the duration ends.
"""

import asyncio
import datetime as dt
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families

from services.cli.render import render_table
from services.config import Settings
from services.reference.sites_file import load_sites
from services.simulator import SimulationConfig, simulate
from services.stack.broker import EmbeddedBroker, create_topics
from services.stack.kafka_io import publish_lines
from services.topics import Topics

SERVICES = {"intake": 9106, "gatekeeping": 9107, "reporting": 9108}
COUNT_KEYS = frozenset(
    {
        "applications",
        "open_cases",
        "cir_ordered",
        "cir_filed",
        "cir_overdue",
        "cir_due_soon",
        "concluded",
    }
)
VIEW_KEYS = (
    "applications", "open_cases", "cir_ordered", "cir_filed",
    "cir_filed_within_40_working_days_share", "cir_overdue", "cir_due_soon", "concluded",
    "mean_duration_weeks",
)  # fmt: skip
GRACE_SECONDS = 10.0


class Supervisor:
    """Starts the parts in order and stops them in reverse; nothing is left running."""

    def __init__(self, settings: Settings, log_dir: Path) -> None:
        self.settings = settings
        self.log_dir = log_dir
        self.broker: EmbeddedBroker | None = None
        self.workers: dict[str, subprocess.Popen[bytes]] = {}

    def start(self) -> None:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        if self.settings.kafka_bootstrap is None:
            self.broker = EmbeddedBroker(self.settings.broker_port, self.log_dir / "broker.log")
            self.broker.start()
        topics = Topics(self.settings.topic_prefix)
        asyncio.run(create_topics(self.settings.bootstrap, topics, self.settings.partitions))
        for service, port in SERVICES.items():
            self.workers[service] = self._start_worker(service, port)

    def _start_worker(self, service: str, port: int) -> subprocess.Popen[bytes]:
        environment = {
            **os.environ,
            "PATHFINDER_KAFKA_BOOTSTRAP": self.settings.bootstrap,
            "PATHFINDER_CLOCK": self.settings.clock,
            "PATHFINDER_METRICS_PORT": str(port),
        }
        log = (self.log_dir / f"{service}.log").open("ab")
        command = [sys.executable, "-m", "faust", "-A", f"services.{service}.app", "worker"]
        return subprocess.Popen(
            [*command, "-l", "warn"], env=environment, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,  # Ctrl-C reaches the supervisor, which stops them in order
        )  # fmt: skip

    def stop(self) -> None:
        for worker in self.workers.values():
            if worker.poll() is None:
                worker.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + GRACE_SECONDS
        for worker in self.workers.values():
            try:
                worker.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                worker.kill()
                worker.wait()
        self.workers.clear()
        if self.broker is not None:
            self.broker.stop()

    def failed(self) -> list[str]:
        """Workers that exited on their own."""
        return [name for name, worker in self.workers.items() if worker.poll() is not None]


def simulated_lines(seed: int = 2025) -> Iterator[bytes]:
    """A year of every pilot site, as the simulator writes it."""
    registry = load_sites()
    config = SimulationConfig(
        cases=3000, seed=seed, sites=tuple(registry), start=dt.date(2025, 1, 1),
        end=dt.date(2025, 12, 31), noise=0.01,
    )  # fmt: skip
    return simulate(config, registry)


def _publish_in_background(
    settings: Settings, per_second: float, stop: threading.Event
) -> threading.Thread:
    topic = Topics(settings.topic_prefix).court_events
    work = publish_lines(settings.bootstrap, topic, simulated_lines(), per_second, stop)
    thread = threading.Thread(target=asyncio.run, args=(work,), daemon=True, name="simulator")
    thread.start()
    return thread


def live_view(port: int = SERVICES["reporting"]) -> str:
    """The key figures per site from the reporting service's /metrics."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=3) as response:
            text = response.read().decode()
    except OSError:
        return "waiting for the reporting service...\n"
    sites: dict[str, dict[str, float | None]] = {}
    as_of = "-"
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            key = sample.name.removeprefix("pathfinder_").removesuffix("_total")
            site = sample.labels.get("site")
            if key == "as_of_timestamp_seconds":
                as_of = dt.datetime.fromtimestamp(sample.value, dt.UTC).date().isoformat()
            elif site and key in VIEW_KEYS and len(sample.labels) == 1:
                value = int(sample.value) if key in COUNT_KEYS else sample.value
                sites.setdefault(site, dict.fromkeys(VIEW_KEYS))[key] = value
    return render_table(sites, as_of) if sites else "no figures yet\n"


def up(settings: Settings, duration: float | None, simulate_rate: float | None) -> int:
    """Run until Ctrl-C or `duration` seconds; 0 on a clean stop, 1 if a worker failed."""
    supervisor = Supervisor(settings, settings.data_dir / "logs")
    started = time.monotonic()
    stop_publishing = threading.Event()
    publisher: threading.Thread | None = None
    try:
        supervisor.start()
        if simulate_rate:
            publisher = _publish_in_background(settings, simulate_rate, stop_publishing)
        print(f"pathfinder is up: Kafka at {settings.bootstrap}, metrics on :9108/metrics")
        while duration is None or time.monotonic() - started < duration:
            time.sleep(2)
            if supervisor.failed():
                print(f"stopped: {', '.join(supervisor.failed())} exited; see {supervisor.log_dir}")
                return 1
            view = live_view()
            sys.stdout.write(("\x1b[H\x1b[2J" if sys.stdout.isatty() else "") + view)
            sys.stdout.flush()
    except KeyboardInterrupt:
        print("\nstopping...")
    finally:
        stop_publishing.set()  # the simulator stops before the broker it publishes to
        if publisher is not None:
            publisher.join(timeout=GRACE_SECONDS)
        supervisor.stop()
    return 0
