"""The worker consumer's fetch wait and minimum, which faust fixes and has no setting for.

faust-streaming (0.15.3) builds each worker's aiokafka consumer in
`AIOKafkaConsumerThread._create_worker_consumer` with `fetch_max_wait_ms=1500` written into the
call, and aiokafka's default `fetch_min_bytes` (1). The wait is how long the broker may hold a
fetch that has less than the minimum to return. Kafka answers as soon as the minimum arrives,
but the embedded broker (Tansu) answers a waiting fetch only when its wait ends: an event then
waits up to 1.5 s at every hop between topics, four hops from publisher to figure.

The fix: `tune(app, wait_ms, min_bytes)` records an app's values (`make_app` passes
`PATHFINDER_FETCH_WAIT_MS` and `PATHFINDER_FETCH_MIN_BYTES`, services/config.py), and
`_create_worker_consumer` is wrapped to set them on the consumer it returns, which has not
started yet: aiokafka builds its fetcher from them (`_fetch_max_wait_ms`, `_fetch_min_bytes`)
in `AIOKafkaConsumer.start`. An app not tuned keeps faust's values. `apply()` runs once, before
any app starts.

Verified on faust-streaming 0.15.3 with aiokafka 0.14.0; pyproject.toml pins both to those minor
versions. Before raising either pin:
1. Re-read, in faust/transport/drivers/aiokafka.py, `AIOKafkaConsumerThread._create_worker_consumer`
   (wrapped here): if faust now takes the fetch wait from a setting, pass the setting in
   `make_app` and drop this module; if the method was renamed or no longer builds the consumer,
   move the wrapping there. In aiokafka/consumer/consumer.py, check that `AIOKafkaConsumer.start`
   still builds its `Fetcher` from `self._fetch_max_wait_ms` and `self._fetch_min_bytes`.
2. Run `.venv/bin/pytest tests/faults/test_faust_fetch.py` (no broker): it fails if the method's
   signature moved, if faust stopped fixing the wait (so this is no longer needed), or if the
   consumer is not built and started with the configured values; then
   `.venv/bin/python benchmarks/stream_rate.py --only latency` for the hop figures.
"""

import functools
import weakref
from dataclasses import dataclass
from typing import Any

_applied = False


@dataclass(frozen=True)
class FetchSettings:
    """What a worker's consumer asks the broker for in each fetch."""

    wait_ms: int  # the longest the broker may hold a fetch with less than min_bytes to return
    min_bytes: int  # what the broker waits for before it answers early


_tuned: "weakref.WeakKeyDictionary[Any, FetchSettings]" = weakref.WeakKeyDictionary()


def tune(app: Any, fetch: FetchSettings) -> None:
    """Build `app`'s worker consumer with these fetch settings instead of faust's."""
    apply()
    _tuned[app] = fetch


def apply() -> None:
    """Wrap faust's worker-consumer factory so a tuned app's consumer gets its fetch settings."""
    global _applied
    if _applied:
        return
    from faust.transport.drivers.aiokafka import AIOKafkaConsumerThread

    create = AIOKafkaConsumerThread._create_worker_consumer

    @functools.wraps(create)
    def create_worker_consumer(self: Any, transport: Any) -> Any:
        consumer = create(self, transport)
        fetch = _tuned.get(self.app)
        if fetch is not None:
            set_fetch(consumer, fetch)
        return consumer

    AIOKafkaConsumerThread._create_worker_consumer = create_worker_consumer  # type: ignore[method-assign]
    _applied = True


def set_fetch(consumer: Any, fetch: FetchSettings) -> None:
    """Give an aiokafka consumer not yet started these fetch settings (read by its `start`)."""
    consumer._fetch_max_wait_ms = fetch.wait_ms
    consumer._fetch_min_bytes = fetch.min_bytes
