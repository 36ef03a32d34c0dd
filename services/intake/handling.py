"""Intake's metrics and dead-letter headers: no case reference or child id in either."""

from prometheus_client import CollectorRegistry, Counter, Gauge

from services.core.validation import Rejection
from services.streaming.ledgers import Origin


class IntakeMetrics:
    """Counters of what became of each message; messages in = accepted + duplicates + refused."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        processed = Counter(
            "pathfinder_events_processed",
            "Messages taken by a service, by what became of them.",
            ["service", "outcome"],
            registry=self.registry,
        )
        self.received = processed.labels("intake", "received")
        self.accepted = processed.labels("intake", "accepted")
        self.duplicates = processed.labels("intake", "duplicate")
        self.dead_lettered = Counter(
            "pathfinder_dead_lettered",
            "Messages sent to the dead-letter topic, by reason.",
            ["reason"],
            registry=self.registry,
        )
        self.held = Gauge(
            "pathfinder_held_events",
            "Messages waiting for a prerequisite.",
            ["service"],
            registry=self.registry,
        ).labels("intake")


def dead_letter_headers(origin: Origin, rejection: Rejection) -> dict[str, bytes]:
    """Why and from where: the reason code, its detail, and the source topic, partition, offset."""
    return {
        "reason": rejection.reason.encode(),
        "detail": rejection.detail.encode(),
        "source-topic": origin.topic.encode(),
        "source-partition": str(origin.partition).encode(),
        "source-offset": str(origin.offset).encode(),
    }
