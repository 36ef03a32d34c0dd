"""The ports `pathfinder up` listens on, checked before it starts anything.

A port already taken is refused with one line naming it and, when it can tell, what holds it:
a pathfinder worker (its /healthz answers) or a Kafka broker (it answers an ApiVersions request).
"""

import errno
import json
import socket
import struct
import urllib.request
from contextlib import closing
from dataclasses import dataclass

from services.config import Settings

_PROBE_SECONDS = 2.0
_API_VERSIONS_REQUEST = struct.pack(">ihhih", 10, 18, 0, 1, 0)  # size, key, version, id, client


class PortInUse(RuntimeError):
    """A port `pathfinder up` needs is taken; nothing was started."""


@dataclass(frozen=True)
class Port:
    variable: str  # the setting that chooses it
    host: str
    number: int
    holder: str  # "broker" or "worker": who listens there when pathfinder runs


def worker_ports(settings: Settings) -> dict[str, int]:
    """Each service's metrics port (PATHFINDER_METRICS_PORT is one worker's, not the stack's)."""
    return {
        "intake": settings.intake_metrics_port,
        "gatekeeping": settings.gatekeeping_metrics_port,
        "reporting": settings.reporting_metrics_port,
    }


def ports_needed(settings: Settings, prometheus: bool = False) -> list[Port]:
    """The embedded broker's port (when no broker is configured), the workers' ports (reporting's
    admin port too), and Prometheus's when it runs too."""
    needed = [
        Port(f"PATHFINDER_{service.upper()}_METRICS_PORT", settings.metrics_host, port, "worker")
        for service, port in worker_ports(settings).items()
    ]
    needed.append(
        Port("PATHFINDER_REPORTING_ADMIN_PORT", settings.admin_host,
             settings.reporting_admin_port, "worker")
    )  # fmt: skip
    if settings.kafka_bootstrap is None:
        needed.insert(
            0, Port("PATHFINDER_BROKER_PORT", "127.0.0.1", settings.broker_port, "broker")
        )
    if prometheus:
        needed.append(
            Port("PATHFINDER_PROMETHEUS_PORT", "127.0.0.1", settings.prometheus_port, "prometheus")
        )
    return needed


def check_ports_free(ports: list[Port]) -> None:
    """Raise PortInUse for the first port taken, or set twice, with what holds it."""
    seen: dict[int, Port] = {}
    for port in ports:
        if port.number in seen:
            raise PortInUse(
                f"{seen[port.number].variable} and {port.variable} are both port {port.number};"
                " give each its own"
            )
        seen[port.number] = port
        if _taken(port):
            in_use = f"port {port.number} ({port.variable}) is already in use"
            raise PortInUse(in_use + _holder(port))


def _taken(port: Port) -> bool:
    with closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as probe:
        # As the broker and the workers bind: a port in TIME_WAIT is free to them.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((port.host, port.number))
        except OSError as error:
            if error.errno != errno.EADDRINUSE:
                raise PortInUse(f"cannot listen on {port.host}:{port.number} ({port.variable}): "
                                f"{error.strerror}") from None  # fmt: skip
            return True
    return False


def _holder(port: Port) -> str:
    host = "127.0.0.1" if port.host in ("0.0.0.0", "") else port.host
    if port.holder == "worker" and _pathfinder_worker_answers(host, port.number):
        return (
            ": a pathfinder system already runs there (its /healthz answers); stop it first,"
            f" or set {port.variable} to a free port"
        )
    if port.holder == "broker" and _kafka_answers(host, port.number):
        return (
            ": a Kafka broker answers there (a pathfinder system already running?); stop it first,"
            f" or set {port.variable} to a free port, or PATHFINDER_KAFKA_BOOTSTRAP to use it"
        )
    return f" by another program; set {port.variable} to a free port"


def _pathfinder_worker_answers(host: str, port: int) -> bool:
    try:
        url = f"http://{host}:{port}/healthz"
        with urllib.request.urlopen(url, timeout=_PROBE_SECONDS) as response:
            return bool(json.loads(response.read()) == {"status": "ok"})
    except (OSError, ValueError):
        return False


def _kafka_answers(host: str, port: int) -> bool:
    """Whether an ApiVersions request (version 0, correlation id 1) gets a Kafka response."""
    try:
        with socket.create_connection((host, port), timeout=_PROBE_SECONDS) as connection:
            connection.sendall(_API_VERSIONS_REQUEST)
            header = _read_exactly(connection, 8)
    except OSError:
        return False
    size, correlation_id = struct.unpack(">ii", header)
    return bool(size >= 4 and correlation_id == 1)


def _read_exactly(connection: socket.socket, count: int) -> bytes:
    data = b""
    while len(data) < count:
        chunk = connection.recv(count - len(data))
        if not chunk:
            raise ConnectionError("closed before a full response")
        data += chunk
    return data
