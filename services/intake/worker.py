"""The intake worker: validates, de-duplicates and holds inbound events, passes on what applies.

Built by `services.bootstrap.build_intake`; run through `services/intake/app.py`.
"""

import datetime as dt
import time
from collections.abc import AsyncIterator, Awaitable
from contextlib import suppress
from functools import partial
from typing import Any

from prometheus_client import Gauge

from schemas.catalogue import MAX_MESSAGE_BYTES
from services.config import Settings
from services.core.clock import hold_expired
from services.core.ledger import (
    ACCEPTED,
    DUPLICATE,
    HELD,
    CaseLedger,
    Outcome,
    expire_held,
    receive,
)
from services.core.routing import case_key
from services.core.rules import Rules
from services.core.validation import Rejection
from services.intake.site_activity import SiteActivity, SiteSilenceCollector
from services.streaming.batches import Batch
from services.streaming.dead_letters import Position
from services.streaming.faust_app import MAX_REQUEST_BYTES
from services.streaming.ledgers import (
    Origin,
    decode_ledger,
    encode_ledger,
    partition_entries,
    stamp_arrivals,
    summarise,
)
from services.streaming.refusals import Refusals
from services.streaming.ticks import PartitionIndex, tick_report
from services.streaming.worker import Worker

ORIGIN_HEADER = "origin"
# A message longer than the contract allows (the validator refuses it) is refused without being
# re-keyed, which could take it past Kafka's message limit; one within it always fits.
FORWARD_LIMIT = MAX_MESSAGE_BYTES + len(b"\xef\xbb\xbf")
assert FORWARD_LIMIT + 1024 < MAX_REQUEST_BYTES, "a re-keyed message fits the producer's limit"


class IntakeWorker(Worker):
    """Re-keys inbound messages by case, then admits them through each case's ledger."""

    def __init__(self, settings: Settings, rules: Rules, name: str) -> None:
        super().__init__("intake", settings, rules, name)
        topics = self.topics
        self.court_events = self.topic(topics.court_events)
        self.by_case = self.topic(
            topics.intake_by_case,
            internal=True,
            config={"max.message.bytes": str(MAX_REQUEST_BYTES)},
        )
        self.case_events = self.topic(topics.case_events)
        self.refusals = Refusals(self.topic(topics.refusals))
        self.ledgers = self.app.Table(
            "intake-ledgers", default=None, key_type=bytes, value_type=bytes
        )
        self.wall_time = time.time  # when an event is taken: its site's latest activity
        self.site_activity = SiteActivity(
            self.app.Table("intake-site-activity", default=None, key_type=bytes, value_type=bytes)
        )
        silence = SiteSilenceCollector(
            self._sites_last_seen, rules.calendar, settings.site_silent_working_hours, self._now
        )
        self.registry.register(silence)
        self.waiting = PartitionIndex()  # cases with held messages: what a tick looks at
        self.on_revoked(self.waiting.drop)
        self.keep_clock_for(topics.intake_by_case)
        Gauge(
            "pathfinder_held_events",
            "Messages waiting for a prerequisite, on the partitions this worker owns.",
            ["service"],
            registry=self.registry,
        ).labels("intake").set_function(self._held_count)
        self.route = self.app.agent(self.court_events, name="intake.route")(self._route)
        self.admit = self.app.agent(self.by_case, name="intake.admit")(self._admit)
        self.send_ticks_into(self.by_case)

    async def _route(self, stream: Any) -> None:
        """Re-key every message by its case reference, keeping where it came from."""
        async for event in stream.events():
            await self.guarded(event, partial(self._forward, event))

    async def _forward(self, event: Any) -> None:
        source = Position(event.message.topic, event.message.partition, event.message.offset)
        raw = event.value or b""  # a tombstone (no value) is an empty, malformed message
        key = case_key(raw)
        self.processed.labels("intake", "received").inc()
        if len(raw) > FORWARD_LIMIT:
            rejection = self.validate(raw)
            assert isinstance(rejection, Rejection), "the validator refuses oversized messages"
            await self._refuse(key, raw, source, rejection)
            return
        await self.by_case.send(key=key, value=raw, headers={ORIGIN_HEADER: source.encode()})

    async def _admit(self, stream: Any) -> AsyncIterator[int]:
        """Validate, de-duplicate, hold or apply; send on what applies and dead-letter the rest."""
        async for handled in self.in_batches(stream, self._handle):
            yield handled

    async def _handle(self, event: Any, batch: Batch) -> None:
        report = tick_report(event.headers, event.value)
        if report is None:
            await self._take(event, batch)
            return
        today = self.tick_date(report)
        if today is not None:
            await batch.commit()  # the partition's index is read from the table
            await self._expire(event, today, batch)

    async def _take(self, event: Any, batch: Batch) -> None:
        raw, partition = event.value or b"", event.message.partition
        source = Position.decode(event.headers[ORIGIN_HEADER])
        checked = self.validate(raw)
        if isinstance(checked, Rejection):
            batch.awaits(await self._refuse(case_key(raw), raw, source, checked))
            return
        self.clock.saw(partition, checked.on)
        activity = self.site_activity.saw(checked.site, partition, self.wall_time())
        if activity is not None:
            batch.write(self.site_activity.table, *activity, event)
        origin = Origin(raw=raw, received_on=self.clock.today(), **source._asdict())
        subject = checked.subject.encode()
        ledger = self._ledger(subject, batch)
        for outcome in receive(ledger, checked, origin, self.rules):
            batch.awaits(await self._settle(outcome))
        batch.write(self.ledgers, subject, encode_ledger(ledger, partition), event)
        self.waiting.mark(partition, subject, bool(ledger.held))

    def _ledger(self, subject: bytes, batch: Batch) -> CaseLedger:
        stored = batch.read(self.ledgers, subject)
        return decode_ledger(stored, self.validate) if stored is not None else CaseLedger()

    async def _settle(self, outcome: Outcome) -> list[Awaitable[Any]]:
        """Send on or dead-letter what an outcome calls for; the acknowledgements to await."""
        origin: Origin = outcome.token
        if outcome.kind == ACCEPTED:
            self.processed.labels("intake", "accepted").inc()
            key = outcome.event.subject.encode()
            return [await self.case_events.send(key=key, value=origin.raw)]
        if outcome.kind == DUPLICATE:
            self.processed.labels("intake", "duplicate").inc()
        elif outcome.kind != HELD:
            assert outcome.rejection is not None
            source = Position(origin.topic, origin.partition, origin.offset)
            key = outcome.event.subject.encode()
            return await self._refuse(key, origin.raw, source, outcome.rejection)
        return []

    async def _refuse(
        self, key: bytes, raw: bytes, source: Position, rejection: Rejection
    ) -> list[Awaitable[Any]]:
        """Dead-letter the message and tell its publisher; the acknowledgements to await."""
        self.processed.labels("intake", "refused").inc()
        dead = await self.dead_letters.send(key, raw, rejection, source)
        return [dead, await self.refusals.send(raw, rejection, source)]

    async def _expire(self, tick: Any, today: dt.date, batch: Batch) -> None:
        """Dead-letter the held messages of the tick's partition that waited past the hold
        limit."""
        partition = tick.message.partition

        async def expire(subject: bytes) -> None:
            ledger = decode_ledger(batch.read(self.ledgers, subject), self.validate)
            stamped = stamp_arrivals(ledger, today)
            limit = self.settings.hold_limit_days
            expired = expire_held(
                ledger, lambda held: hold_expired(held.token.received_on, today, limit)
            )
            for outcome in expired:
                batch.awaits(await self._settle(outcome))
            if expired or stamped:
                batch.write(self.ledgers, subject, encode_ledger(ledger, partition), tick)
            self.waiting.mark(partition, subject, bool(ledger.held))

        await self.for_each_waiting(partition, self.waiting, self._waiting_entries, expire)

    def _waiting_entries(self, partition: int) -> Any:
        return partition_entries(
            self.ledgers.items(), partition, lambda summary: bool(summary.held)
        )

    def _sites_last_seen(self) -> dict[str, dt.datetime]:
        return self.site_activity.last_seen(self.owned(self.topics.intake_by_case))

    def _now(self) -> dt.datetime:
        return dt.datetime.fromtimestamp(self.wall_time(), dt.UTC)

    def _held_count(self) -> int:
        held = 0
        for subject in self.waiting.indexed_keys(self.owned(self.topics.intake_by_case)):
            stored = self.ledgers.get(subject)
            with suppress(ValueError):  # a damaged ledger is reported where it is worked on
                held += len(summarise(stored).held) if stored is not None else 0
        return held
