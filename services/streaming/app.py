"""The faust app every service is built on, configured for at-least-once delivery from settings."""

from collections.abc import Callable

import faust
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from services.config import Settings


def make_app(service: str, settings: Settings, default_metrics_port: int) -> faust.App:
    """A faust app for one service; its id names the consumer group and the internal topics."""
    app_id = f"{settings.topic_prefix}-{service}"
    settings.data_dir.mkdir(parents=True, exist_ok=True)  # faust creates only the last level
    return faust.App(
        app_id,
        broker=[f"kafka://{server}" for server in settings.bootstrap.split(",")],
        store="memory://",  # tables are rebuilt from their changelog topics on start
        topic_partitions=settings.partitions,
        topic_replication_factor=1,
        processing_guarantee="at_least_once",  # the embedded broker refuses transactions
        broker_session_timeout=settings.session_timeout,
        broker_heartbeat_interval=settings.session_timeout / 6,
        broker_commit_interval=1.0,
        consumer_auto_offset_reset="earliest",
        table_standby_replicas=0,
        web_enabled=True,
        web_port=settings.metrics_port or default_metrics_port,
        web_host=settings.metrics_host,
        web_bind=settings.metrics_host,
        datadir=str(settings.data_dir / app_id),
    )


def add_health_pages(
    app: faust.App, registry: CollectorRegistry, ready: Callable[[], bool]
) -> None:
    """Serve /metrics (Prometheus text), /healthz (the process is up), /readyz (it consumes)."""

    @app.page("/metrics")
    async def metrics(view: faust.web.View, request: faust.web.Request) -> faust.web.Response:
        body = generate_latest(registry)
        return view.bytes(body, content_type=CONTENT_TYPE_LATEST.split(";")[0])

    @app.page("/healthz")
    async def healthz(view: faust.web.View, request: faust.web.Request) -> faust.web.Response:
        return view.json({"status": "ok"})

    @app.page("/readyz")
    async def readyz(view: faust.web.View, request: faust.web.Request) -> faust.web.Response:
        is_ready = ready()
        return view.json({"ready": is_ready}, status=200 if is_ready else 503)
