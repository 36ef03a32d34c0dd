"""The reporting worker: the latest facts of every case and every dead letter, served as metrics.

The figures are kept standing per partition (`services.core.standing`): a case's newer facts
replace its contribution as they are kept, and a scrape only moves each owned partition's figures
to the business date. A partition's figures are built from its table entries once its table is
recovered (after every rebalance, a little at a time, the agents waiting), dropped when it is
revoked; while they are being built no pilot family is served rather than a part of one.

Built by `services.bootstrap.build_reporting`; run through `services/reporting/app.py`.
"""

import asyncio
import datetime as dt
import logging
from collections.abc import AsyncIterator, Iterator, Mapping
from functools import partial
from typing import Any

import msgspec

from services.config import Settings
from services.core.case import CaseState
from services.core.rules import Rules
from services.core.standing import SiteFigures, StandingFigures
from services.reporting.admin import CasesEndpoint, add_admin_server, check_admin_port
from services.reporting.collector import DeadLetterCollector, StandingCollector
from services.reporting.stored import (
    dead_letter_entry,
    decode_dead_letter_entry,
    decode_facts,
    decode_stored_facts,
    store_facts,
    stored_partition,
)
from services.streaming.batches import Batch, handling
from services.streaming.dead_letters import Position
from services.streaming.forms import StoredFormError
from services.streaming.ticks import tick_report
from services.streaming.worker import TICK_STAGE, Worker

logger = logging.getLogger(__name__)
BUILD_CHUNK = 2000  # table entries built between two yields to the event loop
UNREADABLE = (msgspec.DecodeError, msgspec.ValidationError, StoredFormError)


class ReportingWorker(Worker):
    """Keeps the newest facts per case and one entry per dead letter; figures at scrape time."""

    def __init__(self, settings: Settings, rules: Rules, name: str) -> None:
        check_admin_port(settings)
        super().__init__("reporting", settings, rules, name)
        topics = self.topics
        self.case_facts = self.topic(topics.case_facts)
        self.ticks = self.topic(topics.gatekeeping_ticks, internal=True)
        self.facts = self.app.Table(
            "reporting-facts", default=None, key_type=bytes, value_type=bytes
        )
        self.dead_letter_entries = self.app.Table(
            "reporting-dead-letters", default=None, key_type=bytes, value_type=bytes
        )
        self.project = self.app.agent(self.case_facts, name="reporting.project")(self._project)
        self.follow_clock = self.app.agent(self.ticks, name="reporting.clock")(self._follow_clock)
        self.count_dead_letters = self.app.agent(
            self.dead_letter_topic, name="reporting.dead-letters"
        )(self._count_dead_letters)
        self.standing = StandingFigures(rules.sites, rules.calendar)
        self._building = 0  # builds under way
        self._revocations = 0  # a build overtaken by a revocation is thrown away
        self.on_revoked(self._forget)
        self.facts.on_recover(self._rebuild)
        self.registry.register(StandingCollector(self._figures_as_of, self.clock.today))
        self.registry.register(DeadLetterCollector(self._dead_letter_reasons))
        self.cases_endpoint = CasesEndpoint(
            self._cases, self.clock.today, self._served_partitions, settings.partitions, rules
        )
        host, port = settings.admin_host, settings.reporting_admin_port
        add_admin_server(self.app, self.cases_endpoint, host, port)

    async def _project(self, stream: Any) -> AsyncIterator[int]:
        """Keep the newest facts of each case."""
        async for handled in self.in_batches(stream, self._keep_if_newer):
            yield handled

    async def _keep_if_newer(self, event: Any, batch: Batch) -> None:
        """Keep newer facts. Reporting sends nothing, so the entry is written as the message is
        handled rather than when the batch commits: the table and the standing figures change in
        the same step, and a partition built from the table in between misses nothing."""
        incoming = decode_facts(event.value)
        partition = event.message.partition
        held_value = self.facts.get(event.key)
        held = decode_stored_facts(held_value) if held_value is not None else None
        if held is None or held.facts.version < incoming.version:
            if held is not None and held.partition != partition:
                self.standing.replace(held.partition, event.key, held.facts.state, None)
                held = None
            old = held.facts.state if held is not None else None
            self.standing.replace(partition, event.key, old, incoming.state)
            with handling(event):
                self.facts[event.key] = store_facts(partition, event.value)

    def _forget(self, partitions: set[int]) -> None:
        self._revocations += 1
        self.standing.forget(partitions)

    async def _rebuild(self) -> None:
        """Once the table is recovered: the owned partitions' figures built afresh from it."""
        self.standing.forget(list(self.standing.partitions))
        self._building += 1
        revocations = self._revocations
        try:
            owned = self.owned(self.topics.case_facts)
            built = {partition: self.standing.new_partition() for partition in owned}
            for number, (key, value) in enumerate(list(self.facts.items())):
                self._build_entry(built, key, value)
                if number % BUILD_CHUNK == BUILD_CHUNK - 1:
                    await asyncio.sleep(0)
            if revocations == self._revocations:
                for partition, figures in built.items():
                    self.standing.install(partition, figures)
        finally:
            self._building -= 1

    def _build_missing(self) -> None:
        missing = self.standing.missing(self.owned(self.topics.case_facts))
        if missing:
            built = {partition: self.standing.new_partition() for partition in missing}
            for key, value in list(self.facts.items()):
                self._build_entry(built, key, value)
            for partition, figures in built.items():
                self.standing.install(partition, figures)

    def _build_entry(self, built: Mapping[int, Any], key: bytes, value: bytes) -> None:
        try:
            figures = built.get(stored_partition(value))
            if figures is not None:
                figures.replace(key, None, decode_stored_facts(value).facts.state)
        except UNREADABLE as error:  # left out of the figures, as it cannot be counted
            logger.error("reporting cannot read a table entry (%s); left out", type(error).__name__)
            self.errors.labels(self.service, TICK_STAGE).inc()

    def _ready(self) -> bool:
        """The owned partitions' figures can be served (built now if they were not)."""
        if self._building or self.app.rebalancing or self.app.in_recovery:
            return False
        self._build_missing()
        return True

    def _figures_as_of(self, as_of: dt.date) -> Mapping[str, SiteFigures] | None:
        if not self._ready():
            return None
        return self.standing.served(self.owned(self.topics.case_facts), as_of)

    def _served_partitions(self) -> set[int]:
        return self.owned(self.topics.case_facts) if self._ready() else set()

    async def _follow_clock(self, stream: Any) -> None:
        """Hear gatekeeping's clock reports: the business date the figures are as of."""
        async for event in stream.events():
            await self.guarded(event, partial(self._hear, event))

    async def _hear(self, event: Any) -> None:
        report = tick_report(event.headers, event.value)
        if report is not None:
            self.clock.heard(report)
            self.show_business_date(self.clock.today())

    async def _count_dead_letters(self, stream: Any) -> None:
        """One entry per dead letter, by source position: a re-sent dead letter is counted once."""
        async for event in stream.events():
            await self.guarded(event, partial(self._record_dead_letter, event))

    async def _record_dead_letter(self, event: Any) -> None:
        headers = event.headers
        source = Position(
            headers["source-topic"].decode(),
            int(headers["source-partition"]),
            int(headers["source-offset"]),
        )
        reason = headers["reason"].decode()
        entry = dead_letter_entry(event.message.partition, reason)
        self.dead_letter_entries[source.encode()] = entry

    def _cases(self, as_of: dt.date) -> Iterator[tuple[str, CaseState]]:
        """The reference and state of the owned partitions' cases overdue or due soon."""
        partitions = self._served_partitions()
        for key in self.standing.listed_on(partitions, as_of):
            value = self.facts.get(key)
            if value is not None:
                stored = decode_stored_facts(value)
                yield stored.facts.subject, stored.facts.state

    def _dead_letter_reasons(self) -> Iterator[str]:
        owned = self.owned(self.topics.dead_letter)
        for value in list(self.dead_letter_entries.values()):
            entry = decode_dead_letter_entry(value)
            if entry.partition in owned:
                yield entry.reason
