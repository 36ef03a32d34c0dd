"""The skeleton every worker is built on: one error policy, partition ownership, the clock, ticks.

- **Errors.** A message a worker fails on is dead-lettered with reason `processing_error`, the
  worker, the exception's type and the message's source position, counted, and logged without
  its content; the partition moves on. If even the dead letter cannot be sent, the worker stops,
  so the message is delivered again after the restart rather than lost.
- **Partitions.** What a worker keeps per partition (indexes, read offsets) is dropped when the
  partition is revoked and rebuilt when it is next needed, so a partition that moves between
  workers (one joining, one failing) is served in full by its new owner. A clock watermark is
  kept: it belongs to the partition, whoever owns it.
- **Time.** Every worker sends its clock report into every partition of its tick topic and does its
  time-driven work when its own tick reaches a partition. Before each report it measures which
  of its partitions it is behind on, so those hold the event clock however quiet they are. It
  serves the date each report carries as `pathfinder_business_date_timestamp_seconds`.
- **Outputs before state.** What handling a message sends is acknowledged by the broker before
  the table entry that records the message is written (`in_batches`, `Batch.commit`). A table's
  changelog may otherwise reach the broker first; after a crash the message, delivered again,
  would then be recognised as handled while what it sent was lost.
"""

import datetime as dt
import logging
import os
import secrets
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from functools import partial
from typing import Any

from faust.types import EventT, TopicT
from prometheus_client import CollectorRegistry, Counter, Gauge

from services.config import Settings
from services.core.rules import Rules
from services.core.validation import Validator
from services.streaming.backlog import Backlog
from services.streaming.batches import Batch
from services.streaming.clock import BusinessClock, ClockReport, midnight_utc_seconds
from services.streaming.dead_letters import DeadLetters, Position
from services.streaming.failures import processing_error, what_failed, where_raised
from services.streaming.faust_app import add_health_pages, make_app
from services.streaming.ticks import PartitionIndex, send_ticks
from services.streaming.watchdog import ProgressWatch, RebalanceWatch, Watchdog
from services.topic_config import topic_config
from services.topics import Topics

logger = logging.getLogger(__name__)
WATCHDOG_SECONDS = 5.0


def worker_id(service: str) -> str:
    """A name for this worker process, different on every start."""
    return f"{service}@{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"


MESSAGE_STAGE, TICK_STAGE = "message", "tick"  # where a worker failed: on a message or a tick
ERROR_STAGES = (MESSAGE_STAGE, TICK_STAGE)


class Worker:
    """A faust app with the collaborators and policies every worker shares."""

    def __init__(self, service: str, settings: Settings, rules: Rules, name: str) -> None:
        self.service = service
        self.settings = settings
        self.rules = rules
        self.topics = Topics(settings.topic_prefix)
        self.validate = Validator(rules.sites)
        self.app = make_app(service, settings)
        self.registry = CollectorRegistry()
        self.clock = BusinessClock(settings.clock, name, settings.clock_idle_seconds)
        self.backlog: Backlog | None = None  # of the topic the clock is kept for
        self.dead_letter_topic = self.topic(self.topics.dead_letter)
        self.dead_letters = DeadLetters(self.dead_letter_topic, service, self.registry)
        self.errors = Counter(
            "pathfinder_processing_errors",
            "Messages and table entries a worker failed on (faults of the code, not the input).",
            ["service", "stage"],
            registry=self.registry,
        )
        for stage in ERROR_STAGES:  # served at 0 from the start, so the first error is an increase
            self.errors.labels(service, stage)
        self.processed = Counter(
            "pathfinder_events_processed",
            "Messages taken by a service, by what became of them.",
            ["service", "outcome"],
            registry=self.registry,
        )
        self.business_date = Gauge(
            "pathfinder_business_date_timestamp_seconds",
            "The worker's business date, as the Unix time of its midnight UTC: the date its "
            "latest tick carried (intake, gatekeeping) or its figures are as of (reporting). "
            "Absent while the event clock has no date yet.",
            ["service"],
            registry=self.registry,
        )
        self._revoked: list[Callable[[set[int]], None]] = [self.clock.forget]
        self.app.on_partitions_revoked.connect(self._on_partitions_revoked)
        self.watchdog = Watchdog((
            RebalanceWatch(self.app, settings.rebalance_limit_seconds),
            ProgressWatch(self.app, settings.stall_limit_seconds),
        ))  # fmt: skip
        self.app.timer(interval=WATCHDOG_SECONDS, name=f"{service}.watchdog")(self._watch)
        add_health_pages(self.app, self.registry, self.ready, self.watchdog.why_stuck, service)

    async def _watch(self) -> None:
        self.watchdog.check()

    def topic(self, *names: str, **options: Any) -> TopicT:
        """A topic (or several, read as one channel) of raw bytes keyed by case reference; an
        internal one, which faust creates, with its retention (services/topic_config.py)."""
        if options.get("internal"):
            [name] = names
            options["config"] = {**topic_config(self.topics, name), **options.get("config", {})}
        return self.app.topic(
            *names, key_type=bytes, value_type=bytes, key_serializer="raw",
            value_serializer="raw", **options,
        )  # fmt: skip

    def ready(self) -> bool:
        """The worker consumes: it has partitions assigned."""
        return bool(self.app.consumer.assignment())

    def owned(self, topic: str) -> set[int]:
        """The partitions of `topic` assigned to this worker now."""
        return {tp.partition for tp in self.app.consumer.assignment() if tp.topic == topic}

    def keep_clock_for(self, topic: str) -> None:
        """Keep the event clock's watermarks for `topic`: a partition newly assigned holds
        today until it has had an event or been quiet, with nothing waiting, for the idle time."""
        self.backlog = Backlog(topic)
        self._revoked.append(self.backlog.forget)

        async def on_assigned(
            sender: Any, /, *assigned: set[Any], signal: Any = None, **_: Any
        ) -> None:
            self.clock.assigned(tp.partition for tps in assigned for tp in tps if tp.topic == topic)

        self.app.on_partitions_assigned.connect(on_assigned)

    def on_revoked(self, forget: Callable[[set[int]], None]) -> None:
        """Call `forget(partitions)` whenever partitions are taken from this worker."""
        self._revoked.append(forget)

    async def _on_partitions_revoked(
        self, sender: Any, /, *revoked: set[Any], signal: Any = None, **_: Any
    ) -> None:
        partitions = {tp.partition for tps in revoked for tp in tps}
        for forget in self._revoked:
            forget(partitions)

    async def guarded(
        self,
        event: EventT[Any],
        handle: Callable[[], Awaitable[None]],
        batch: Batch | None = None,
    ) -> None:
        """Handle one message; if handling raises, dead-letter the message and move on (in a
        batch, the batch awaits the dead letter's delivery)."""
        try:
            await handle()
        except Exception as error:
            delivery = await self._dead_letter_failure(event, error)
            if batch is not None and delivery is not None:
                batch.awaits([delivery])
        if self.backlog is not None:
            message = event.message
            self.backlog.took(message.topic, message.partition, message.offset)

    async def in_batches(
        self, stream: Any, handle: Callable[[EventT[Any], Batch], Awaitable[None]]
    ) -> AsyncIterator[int]:
        """Handle a stream's messages a batch at a time (services/streaming/batches.py), yielding
        how many each batch held once it has committed (what faust's test wrapper waits for); if
        a batch cannot commit, stop, so that its messages are delivered again after the restart."""
        batch = Batch()
        size, wait = self.settings.batch_messages, self.settings.batch_wait_ms / 1000
        async for events in stream.take_events(size, wait):
            for event in events:
                await self.guarded(event, partial(handle, event, batch), batch)
            try:
                await batch.commit()
            except Exception as failure:
                logger.critical("%s cannot commit a batch (%s): stopping", self.service,
                                what_failed(failure))  # fmt: skip
                await self.app.crash(failure)
                raise
            yield len(events)

    async def _dead_letter_failure(
        self, event: EventT[Any], error: Exception
    ) -> Awaitable[Any] | None:
        message = event.message
        source = Position(message.topic, message.partition, message.offset)
        logger.error(
            "%s failed on %s/%s/%s with %s at %s; dead-lettered as processing_error",
            self.service, *source, what_failed(error), where_raised(error),
        )  # fmt: skip
        self.errors.labels(self.service, MESSAGE_STAGE).inc()
        raw = event.value if isinstance(event.value, bytes) else b""
        key = event.key if isinstance(event.key, bytes) else b""
        try:
            return await self.dead_letters.send(
                key, raw, processing_error(self.service, error), source
            )
        except Exception as failure:
            logger.critical("%s cannot dead-letter (%s): stopping", self.service, type(failure))
            await self.app.crash(failure)
            return None

    async def for_each_waiting(
        self,
        partition: int,
        index: PartitionIndex,
        entries: Callable[[int], Any],
        work: Callable[[bytes], Awaitable[None]],
    ) -> None:
        """Time-driven work on each indexed key of a partition; a failing key skips only itself."""
        for key in index.keys(partition, entries):
            try:
                await work(key)
            except Exception as error:
                logger.error(
                    "%s failed on a table entry of partition %s with %s at %s; left out of ticks",
                    self.service, partition, what_failed(error), where_raised(error),
                )  # fmt: skip
                self.errors.labels(self.service, TICK_STAGE).inc()
                index.mark(partition, key, False)

    def send_ticks_into(self, ticks: TopicT) -> None:
        """Send this worker's clock report into every partition of `ticks` on a timer."""

        async def tick() -> None:
            await self.send_clock_report(ticks)

        self.app.timer(interval=self.settings.tick_seconds, name=f"{self.service}.tick")(tick)

    async def send_clock_report(self, ticks: TopicT) -> None:
        """Measure which owned partitions are behind, then send the clock report they decide."""
        if self.backlog is not None:
            owned = self.owned(self.backlog.topic)
            self.clock.behind(await self.backlog.behind(self.app.consumer, owned))
        report = self.clock.report()
        self.show_business_date(report.today)
        await send_ticks(ticks, self.settings.partitions, report)

    def show_business_date(self, today: dt.date | None) -> None:
        """Serve the business date, once there is one."""
        if today is not None:
            self.business_date.labels(self.service).set(midnight_utc_seconds(today))

    def tick_date(self, report: ClockReport) -> Any:
        """Hear a tick; the date to do time-driven work with, if it is this worker's own."""
        self.clock.heard(report)
        return report.today if report.worker == self.clock.worker else None
