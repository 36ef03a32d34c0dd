"""The faust app every service is built on, configured for at-least-once delivery from settings."""

from collections.abc import Callable, Iterator

import faust
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from prometheus_client.registry import Collector

from services.config import Settings
from services.streaming import (
    aiokafka_metadata,
    faust_fetch,
    faust_fix,
    faust_recovery,
    kafka_security,
)

# The largest message a worker sends: a publisher's message (at most the contract's 1 MiB) with
# the headers the re-keying adds. Fetches allow it with room to spare.
MAX_REQUEST_BYTES = 2 * 1024 * 1024
MAX_FETCH_BYTES = 4 * 1024 * 1024
KAFKA_BATCH_BYTES = 16 * 1024  # the Kafka clients' default


def make_app(service: str, settings: Settings) -> faust.App:
    """A faust app for one service; its id names the consumer group and the internal topics."""
    app_id = f"{settings.topic_prefix}-{service}"
    faust_fix.apply()
    faust_recovery.apply()
    aiokafka_metadata.apply()
    settings.data_dir.mkdir(parents=True, exist_ok=True)  # faust creates only the last level
    app = faust.App(
        app_id,
        broker=[f"kafka://{server}" for server in settings.bootstrap.split(",")],
        broker_credentials=kafka_security.broker_credentials(settings),
        store="memory://",  # tables are rebuilt from their changelog topics on start
        topic_partitions=settings.partitions,
        topic_replication_factor=1,
        processing_guarantee="at_least_once",  # the embedded broker refuses transactions
        broker_session_timeout=settings.session_timeout,
        broker_heartbeat_interval=settings.session_timeout / 6,
        broker_commit_interval=settings.commit_interval_seconds,
        consumer_auto_offset_reset="earliest",
        table_standby_replicas=0,
        producer_max_request_size=MAX_REQUEST_BYTES,
        producer_max_batch_size=KAFKA_BATCH_BYTES,
        producer_linger=settings.producer_linger_ms / 1000,
        consumer_max_fetch_size=MAX_FETCH_BYTES,
        web_enabled=True,
        web_port=settings.service_metrics_port(service),
        web_host=settings.metrics_host,
        web_bind=settings.metrics_host,
        datadir=str(settings.data_dir / app_id),
    )
    faust_fetch.tune(
        app, faust_fetch.FetchSettings(settings.fetch_wait_ms, settings.fetch_min_bytes)
    )
    return app


class ConsumerLag(Collector):
    """Messages not yet processed per partition this worker consumes: end offset minus position.

    faust records the last processed offset it committed and the end offset of each fetch.
    """

    def __init__(self, app: faust.App, service: str) -> None:
        self._app = app
        self._service = service

    def collect(self) -> Iterator[GaugeMetricFamily | CounterMetricFamily]:
        yield from self._traffic()
        family = GaugeMetricFamily(
            "pathfinder_consumer_lag",
            "Messages waiting to be processed, per partition.",
            labels=["service", "topic", "partition"],
        )
        monitor = self._app.monitor
        for tp, end in dict(monitor.tp_end_offsets).items():
            committed = monitor.tp_committed_offsets.get(tp)
            lag = end if committed is None else max(0, end - committed - 1)
            family.add_metric([self._service, tp.topic, str(tp.partition)], lag)
        yield family

    def _traffic(self) -> Iterator[CounterMetricFamily]:
        """Messages this worker read from Kafka and wrote to it (its table changelogs and
        clock reports included), as faust's monitor counts them: the view's rates in and out."""
        monitor = self._app.monitor
        for name, help_text, value in (
            ("pathfinder_kafka_messages_received", "Messages read from Kafka.",
             monitor.messages_received_total),
            ("pathfinder_kafka_messages_sent", "Messages written to Kafka.", monitor.messages_sent),
        ):  # fmt: skip
            family = CounterMetricFamily(name, help_text, labels=["service"])
            family.add_metric([self._service], value)
            yield family


def add_health_pages(
    app: faust.App,
    registry: CollectorRegistry,
    ready: Callable[[], bool],
    why_stuck: Callable[[], str | None],
    service: str,
) -> None:
    """Serve /metrics (Prometheus text), /healthz (the process is up and not stuck: see
    services/streaming/watchdog.py), /readyz (it consumes)."""
    registry.register(ConsumerLag(app, service))

    @app.page("/metrics")
    async def metrics(view: faust.web.View, request: faust.web.Request) -> faust.web.Response:
        body = generate_latest(registry)
        return view.bytes(body, content_type=CONTENT_TYPE_LATEST.split(";")[0])

    @app.page("/healthz")
    async def healthz(view: faust.web.View, request: faust.web.Request) -> faust.web.Response:
        why = why_stuck()
        if why is not None:
            return view.json({"status": why}, status=503)
        return view.json({"status": "ok"})

    @app.page("/readyz")
    async def readyz(view: faust.web.View, request: faust.web.Request) -> faust.web.Response:
        is_ready = ready()
        return view.json({"ready": is_ready}, status=200 if is_ready else 503)
