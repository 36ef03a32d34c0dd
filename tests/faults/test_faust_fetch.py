"""A worker's consumer fetches with the configured wait and minimum, not faust's fixed 1,500 ms.

No broker: the consumer is built by faust's own factory for an app made by `make_app`, and
started with its network calls stubbed out, so the fetcher aiokafka builds from it can be read.
One test fails if the faust method the fix wraps has moved, or no longer fixes the wait.
"""

import inspect
from pathlib import Path
from typing import Any

import faust
import pytest
from aiokafka import AIOKafkaConsumer
from aiokafka.consumer import consumer as aiokafka_consumer
from faust.transport.drivers.aiokafka import AIOKafkaConsumerThread

from services.config import Settings
from services.streaming import faust_fetch
from services.streaming.faust_app import make_app

FAUST_FIXED_WAIT_MS = 1500


def settings(tmp_path: Path, **values: Any) -> Settings:
    return Settings(
        kafka_bootstrap="127.0.0.1:9", data_dir=tmp_path, metrics_port=9, **values
    )  # fmt: skip


def worker_consumer(app: faust.App) -> AIOKafkaConsumer:
    """The aiokafka consumer faust builds for a worker of `app` (not started)."""
    thread = app.consumer._thread  # type: ignore[attr-defined]
    consumer: AIOKafkaConsumer = thread._create_worker_consumer(app.transport)
    return consumer


class NoCoordinator:
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        pass

    async def close(self) -> None:
        pass


async def _nothing(*args: Any, **kwargs: Any) -> None:
    return None


async def test_a_workers_consumer_is_built_with_the_configured_fetch_wait(tmp_path: Path) -> None:
    app = make_app("intake", settings(tmp_path, fetch_wait_ms=20, fetch_min_bytes=7))
    consumer = worker_consumer(app)
    assert (consumer._fetch_max_wait_ms, consumer._fetch_min_bytes) == (20, 7)
    await consumer.stop()


async def test_the_started_consumer_fetches_with_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given a worker's consumer whose start reaches no broker
    consumer = worker_consumer(make_app("gatekeeping", settings(tmp_path, fetch_wait_ms=35)))
    monkeypatch.setattr(consumer._client, "bootstrap", _nothing)
    monkeypatch.setattr(consumer, "_wait_topics", _nothing)
    monkeypatch.setattr(aiokafka_consumer, "GroupCoordinator", NoCoordinator)
    # when it starts
    await consumer.start()
    # then the fetcher it built asks the broker to wait at most 35 ms, for any byte
    try:
        assert consumer._fetcher._fetch_max_wait_ms == 35
        assert consumer._fetcher._fetch_min_bytes == 1
    finally:
        await consumer._fetcher.close()
        await consumer._client.close()


async def test_an_app_not_tuned_keeps_fausts_fixed_wait(tmp_path: Path) -> None:
    faust_fetch.apply()
    app = faust.App("untuned", broker="kafka://127.0.0.1:9", datadir=str(tmp_path))
    consumer = worker_consumer(app)
    assert consumer._fetch_max_wait_ms == FAUST_FIXED_WAIT_MS
    await consumer.stop()


def test_the_wrapped_faust_method_is_where_the_fix_expects_it() -> None:
    """If this fails, faust or aiokafka moved: see faust_fetch's "before raising either pin"."""
    faust_fetch.apply()
    original = AIOKafkaConsumerThread._create_worker_consumer.__wrapped__  # type: ignore[attr-defined]
    assert list(inspect.signature(original).parameters) == ["self", "transport"]
    # faust still fixes the wait (a setting for it would make this module unnecessary) ...
    assert f"fetch_max_wait_ms={FAUST_FIXED_WAIT_MS}," in inspect.getsource(original)
    # ... and aiokafka still builds its fetcher from the attributes the fix sets
    start = inspect.getsource(AIOKafkaConsumer.start)
    assert "fetch_max_wait_ms=self._fetch_max_wait_ms" in start
    assert "fetch_min_bytes=self._fetch_min_bytes" in start


def test_the_other_delays_reach_fausts_configuration(tmp_path: Path) -> None:
    app = make_app(
        "reporting",
        settings(tmp_path, producer_linger_ms=5, commit_interval_seconds=2.5),
    )
    assert app.conf.producer_linger == 0.005
    assert app.conf.broker_commit_interval == 2.5
