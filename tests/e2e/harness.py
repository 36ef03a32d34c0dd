"""A real pipeline for end-to-end tests: a broker (embedded, or a given Kafka) and the workers."""

import asyncio
import datetime as dt
import os
import secrets
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterable
from pathlib import Path

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from prometheus_client.parser import text_string_to_metric_families

from services.config import EMBEDDED_BROKER_FETCH_WAIT_MS
from services.core.routing import case_key
from services.stack.broker import EmbeddedBroker, create_topics, free_port
from services.streaming.kafka_security import client_options
from services.topics import Topics

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ("intake", "gatekeeping", "reporting")
Labels = tuple[tuple[str, str], ...]
Record = tuple[bytes, dict[str, bytes]]  # value and headers
KeyedRecord = tuple[bytes, bytes, dict[str, bytes]]  # key, value and headers
# A careless publisher whose client allows what the embedded broker takes (it sets no limit).
PUBLISHER_MAX_BYTES = 32 * 1024 * 1024


class Observed:
    """A running system seen from outside: publish to it, scrape its workers, read its topics."""

    def __init__(self, bootstrap: str, topics: Topics, ports: dict[str, int]) -> None:
        self.bootstrap = bootstrap
        self.topics = topics
        self.ports = ports  # worker name -> metrics port

    def publish(self, lines: Iterable[bytes], per_second: float | None = None) -> int:
        """Send each line to the inbound topic keyed by its case reference."""
        return asyncio.run(self._publish(list(lines), per_second))

    async def _publish(self, lines: list[bytes], per_second: float | None) -> int:
        producer = AIOKafkaProducer(
            bootstrap_servers=self.bootstrap, enable_idempotence=False, **client_options(),
            max_request_size=PUBLISHER_MAX_BYTES,
        )  # fmt: skip
        await producer.start()
        try:
            for index, line in enumerate(lines):
                await producer.send(self.topics.court_events, key=case_key(line), value=line)
                if per_second:
                    await asyncio.sleep(1 / per_second)
                if index % 500 == 0:
                    await producer.flush()
            await producer.flush()
        finally:
            await producer.stop()
        return len(lines)

    def metrics(self, name: str = "reporting") -> dict[tuple[str, Labels], float]:
        """Worker `name`'s /metrics as {(sample name, labels): value}; empty if not serving yet."""
        url = f"http://127.0.0.1:{self.ports[name]}/metrics"
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                text = response.read().decode()
        except OSError:
            return {}
        return {
            (sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in text_string_to_metric_families(text)
            for sample in family.samples
        }

    def business_date(self, name: str = "intake") -> dt.date | None:
        """The business date worker `name` serves; None until its clock has one."""
        served = self.metrics(name).get(
            ("pathfinder_business_date_timestamp_seconds", (("service", name.split("-")[0]),))
        )
        return None if served is None else dt.datetime.fromtimestamp(served, dt.UTC).date()

    def read_topic(self, topic: str, idle_seconds: float = 3.0) -> list[Record]:
        """Every record of a topic from the start, until nothing new comes for idle_seconds."""
        return [(value, headers) for _, value, headers in self.read_keyed(topic, idle_seconds)]

    def read_keyed(self, topic: str, idle_seconds: float = 3.0) -> list[KeyedRecord]:
        """Every record of a topic from the start with its key: (key, value, headers)."""
        return asyncio.run(self._read(topic, idle_seconds))

    async def _read(self, topic: str, idle_seconds: float) -> list[KeyedRecord]:
        consumer = AIOKafkaConsumer(
            topic, bootstrap_servers=self.bootstrap, auto_offset_reset="earliest",
            enable_auto_commit=False, fetch_max_bytes=64 * 1024 * 1024,
            max_partition_fetch_bytes=16 * 1024 * 1024, **client_options(),
        )  # fmt: skip
        await consumer.start()
        records = []
        try:
            quiet_since = time.monotonic()
            while time.monotonic() - quiet_since < idle_seconds:
                batch = await consumer.getmany(timeout_ms=500)
                for partition_records in batch.values():
                    records += [(r.key, r.value, dict(r.headers)) for r in partition_records]
                    quiet_since = time.monotonic()
        finally:
            await consumer.stop()
        return records


class Pipeline(Observed):
    """Broker plus workers under a unique topic prefix; stopped and cleaned up on exit.

    With `bootstrap` (host:port of a running Kafka cluster) no embedded broker is started and
    that cluster is used instead; the topics are created on it under the unique prefix. A worker
    that ends on its own (one stuck in a rebalance ends itself) is started again, as `pathfinder
    up` would; `restarts` lists them.
    """

    def __init__(
        self,
        workdir: Path,
        partitions: int = 4,
        bootstrap: str | None = None,
        services: tuple[str, ...] = SERVICES,
        **settings: str,
    ) -> None:
        self.workdir = workdir
        self.broker = None if bootstrap else EmbeddedBroker(free_port(), workdir / "broker.log")
        unique = self.broker.port if self.broker else secrets.token_hex(4)
        self.prefix = f"e2e{os.getpid()}x{unique}"
        bootstrap = self.broker.bootstrap if self.broker else str(bootstrap)
        super().__init__(bootstrap, Topics(self.prefix), ports={})
        self.partitions = partitions
        self.services = services  # the workers started with the pipeline; others by `start`
        self.settings = settings
        self.workers: dict[str, subprocess.Popen[bytes]] = {}
        self.admin_ports: dict[str, int] = {}  # reporting worker name -> its /cases port
        self.restarts: list[tuple[str, int]] = []  # (worker, exit code)
        self._watching = threading.Event()

    def __enter__(self) -> "Pipeline":
        if self.broker:
            self.broker.start()
        asyncio.run(create_topics(self.bootstrap, self.topics, self.partitions))
        for service in self.services:
            self.start(service)
        self._watching.set()
        threading.Thread(target=self._restart_the_ended, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._watching.clear()
        for service in list(self.workers):
            self.stop(service)
        if self.broker:
            self.broker.stop()

    def environment(self, name: str = "intake") -> dict[str, str]:
        """The environment of worker `name` (a service, or e.g. "intake-2" for a second one)."""
        kept = {k: v for k, v in os.environ.items() if not k.startswith("PATHFINDER_")}
        port = self.ports.setdefault(name, free_port())
        if name.startswith("reporting"):  # each reporting worker its own admin port
            admin = str(self.admin_ports.setdefault(name, free_port()))
            kept["PATHFINDER_REPORTING_ADMIN_PORT"] = admin
        return {
            **kept,
            "PATHFINDER_KAFKA_BOOTSTRAP": self.bootstrap,
            "PATHFINDER_TOPIC_PREFIX": self.prefix,
            "PATHFINDER_PARTITIONS": str(self.partitions),
            "PATHFINDER_METRICS_PORT": str(port),
            "PATHFINDER_DATA_DIR": str(self.workdir / "data" / name),
            "PATHFINDER_CLOCK": "event",
            "PATHFINDER_TICK_SECONDS": "1",
            # Longer than any pause a loaded machine puts in a partition's traffic (a fetch
            # wait, a stalled worker): a partition read as idle mid-log lets the event clock jump
            # to the furthest date seen, and a held message would expire before its
            # prerequisite arrives (the hostile corpus holds dates in 2099).
            "PATHFINDER_CLOCK_IDLE_SECONDS": "8",
            "PATHFINDER_REBALANCE_LIMIT_SECONDS": "20",
            "PATHFINDER_STALL_LIMIT_SECONDS": "30",
            **(
                {"PATHFINDER_FETCH_WAIT_MS": str(EMBEDDED_BROKER_FETCH_WAIT_MS)}
                if self.broker
                else {}
            ),
            **self.settings,
        }

    def start(self, name: str) -> None:
        """Start worker `name`: a service, or "<service>-<n>" for another worker of it."""
        service = name.split("-")[0]
        log = (self.workdir / f"{name}.log").open("ab")
        command = [sys.executable, "-m", "faust", "-A", f"services.{service}.app", "worker"]
        self.workers[name] = subprocess.Popen(
            [*command, "-l", "info"],
            cwd=ROOT, env=self.environment(name), stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip

    def _restart_the_ended(self) -> None:
        while self._watching.is_set():
            for name, worker in list(self.workers.items()):
                code = worker.poll()
                if (
                    code is not None
                    and self.workers.get(name) is worker
                    and self._watching.is_set()
                ):
                    self.restarts.append((name, code))
                    self.start(name)
            time.sleep(0.5)

    def stop(self, name: str, how: int = signal.SIGTERM) -> None:
        worker = self.workers.pop(name)
        worker.send_signal(how)
        try:
            worker.wait(20)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()
