"""The gatekeeping worker: the case aggregate, applying the Pathfinder rules to the canonical log.

Built by `services.bootstrap.build_gatekeeping`; run through `services/gatekeeping/app.py`.
"""

import datetime as dt
from collections.abc import AsyncIterator, Awaitable
from typing import Any

import msgspec
from prometheus_client import Counter

from services.config import Settings
from services.core.alerts import awaits_deadline, raise_alerts
from services.core.derived import CaseFacts, derived_events
from services.core.ledger import ACCEPTED, HELD, CaseLedger, receive
from services.core.rules import Rules
from services.core.validation import Rejection
from services.streaming.batches import Batch
from services.streaming.ledgers import decode_ledger, encode_ledger, partition_entries
from services.streaming.ticks import PartitionIndex, tick_report
from services.streaming.worker import Worker

encode = msgspec.json.Encoder().encode


class NotOnTheCanonicalLog(ValueError):
    """An event on the canonical log that the rules refuse or would hold: intake, which applied
    it in this order, and gatekeeping disagree."""


class GatekeepingWorker(Worker):
    """Applies each accepted event once; publishes what it derives and the case's new facts."""

    def __init__(self, settings: Settings, rules: Rules, name: str) -> None:
        super().__init__("gatekeeping", settings, rules, name)
        topics = self.topics
        self.ticks = self.topic(topics.gatekeeping_ticks, internal=True)
        self.case_events = self.topic(topics.case_events, topics.gatekeeping_ticks)
        self.case_facts = self.topic(topics.case_facts)
        self.derived = self.topic(topics.derived_events)
        self.cases = self.app.Table(
            "gatekeeping-cases", default=None, key_type=bytes, value_type=bytes
        )
        self.open_cirs = PartitionIndex()  # cases whose CIR awaits filing: what ticks look at
        self.on_revoked(self.open_cirs.drop)
        self.keep_clock_for(topics.case_events)
        self.alerts_raised = Counter(
            "pathfinder_alerts_raised", "CIR deadline alerts raised.", ["kind", "site"],
            registry=self.registry,
        )  # fmt: skip
        self.gatekeep = self.app.agent(self.case_events, name="gatekeeping.gatekeep")(
            self._gatekeep
        )
        self.send_ticks_into(self.ticks)

    async def _gatekeep(self, stream: Any) -> AsyncIterator[int]:
        """Apply each accepted event once; on this worker's ticks, raise deadline alerts."""
        async for handled in self.in_batches(stream, self._handle):
            yield handled

    async def _handle(self, message: Any, batch: Batch) -> None:
        partition = message.message.partition
        report = tick_report(message.headers, message.value)
        if report is None:
            await self._apply(message, batch)
            return
        today = self.tick_date(report)
        if today is not None:
            await batch.commit()  # the partition's index is read from the table
            await self.for_each_waiting(
                partition, self.open_cirs, self._open_entries,
                lambda key: self._alert_quiet_case(key, message, today, batch),
            )  # fmt: skip

    async def _apply(self, message: Any, batch: Batch) -> None:
        raw, partition = message.value, message.message.partition
        event = self.validate(raw)
        if isinstance(event, Rejection):
            raise NotOnTheCanonicalLog(event.reason)
        self.clock.saw(partition, event.on)
        key = event.subject.encode()
        stored = batch.read(self.cases, key)
        ledger = decode_ledger(stored, self.validate) if stored is not None else CaseLedger()
        outcomes = receive(ledger, event, None, self.rules)
        if any(outcome.kind == HELD for outcome in outcomes):  # nothing is written: see above
            raise NotOnTheCanonicalLog("an event the case is not ready for")
        sent = []
        for outcome in outcomes:
            self.processed.labels("gatekeeping", outcome.kind).inc()
            if outcome.kind == ACCEPTED:
                for derived_event in derived_events(ledger.state, outcome.event):
                    sent.append(await self.derived.send(key=key, value=encode(derived_event)))
        # Facts are sent even for a redelivered event: reporting keeps only a newer version, so
        # sending them twice changes nothing.
        facts = CaseFacts(subject=event.subject, version=ledger.state.version, state=ledger.state)
        sent.append(await self.case_facts.send(key=key, value=encode(facts)))
        today = self.clock.today()
        if today is not None:
            sent += await self._alert(ledger, event.subject, today)
        batch.awaits(sent)
        batch.write(self.cases, key, encode_ledger(ledger, partition), message)
        self.open_cirs.mark(partition, key, awaits_deadline(ledger.state))

    async def _alert_quiet_case(self, key: bytes, tick: Any, today: dt.date, batch: Batch) -> None:
        partition = tick.message.partition
        ledger = decode_ledger(batch.read(self.cases, key), self.validate)
        sent = await self._alert(ledger, key.decode(), today)
        if sent:
            batch.awaits(sent)
            batch.write(self.cases, key, encode_ledger(ledger, partition), tick)
        self.open_cirs.mark(partition, key, awaits_deadline(ledger.state))

    async def _alert(
        self, ledger: CaseLedger, subject: str, today: dt.date
    ) -> list[Awaitable[Any]]:
        """Raise the alerts the case calls for today; the acknowledgements to await."""
        sent = []
        for alert in raise_alerts(ledger.state, subject, today, self.rules.calendar):
            self.alerts_raised.labels(alert.kind, alert.site).inc()
            message = {"type": alert.kind, **msgspec.to_builtins(alert)}
            del message["kind"]
            sent.append(await self.derived.send(key=subject.encode(), value=encode(message)))
        return sent

    def _open_entries(self, partition: int) -> Any:
        return partition_entries(
            self.cases.items(), partition, lambda summary: awaits_deadline(summary.state)
        )
