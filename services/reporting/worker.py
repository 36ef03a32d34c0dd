"""The reporting worker: the latest facts of every case and every dead letter, served as metrics.

Built by `services.bootstrap.build_reporting`; run through `services/reporting/app.py`.
"""

from collections.abc import Iterator
from functools import partial
from typing import Any

from services.config import Settings
from services.core.case import CaseState
from services.core.rules import Rules
from services.reporting.admin import CasesEndpoint, add_admin_server, check_admin_port
from services.reporting.collector import DeadLetterCollector, PilotCollector
from services.reporting.stored import (
    dead_letter_entry,
    decode_dead_letter_entry,
    decode_facts,
    decode_stored_facts,
    store_facts,
)
from services.streaming.dead_letters import Position
from services.streaming.ticks import tick_report
from services.streaming.worker import Worker


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
        self.registry.register(
            PilotCollector(self._states, rules.sites, self.clock.today, rules.calendar)
        )
        self.registry.register(DeadLetterCollector(self._dead_letter_reasons))
        self.cases_endpoint = CasesEndpoint(
            self._cases, self.clock.today, lambda: self.owned(topics.case_facts),
            settings.partitions, rules,
        )  # fmt: skip
        host, port = settings.admin_host, settings.reporting_admin_port
        add_admin_server(self.app, self.cases_endpoint, host, port)

    async def _project(self, stream: Any) -> None:
        """Keep the newest facts of each case."""
        async for event in stream.events():
            await self.guarded(event, partial(self._keep_if_newer, event))

    async def _keep_if_newer(self, event: Any) -> None:
        incoming = decode_facts(event.value)
        held = self.facts.get(event.key)
        if held is None or decode_stored_facts(held).facts.version < incoming.version:
            self.facts[event.key] = store_facts(event.message.partition, event.value)

    async def _follow_clock(self, stream: Any) -> None:
        """Hear gatekeeping's clock reports: the business date the figures are as of."""
        async for event in stream.events():
            await self.guarded(event, partial(self._hear, event))

    async def _hear(self, event: Any) -> None:
        report = tick_report(event.headers, event.value)
        if report is not None:
            self.clock.heard(report)

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

    def _states(self) -> Iterator[CaseState]:
        for _, state in self._cases():
            yield state

    def _cases(self) -> Iterator[tuple[str, CaseState]]:
        """The reference and state of every case of the partitions this worker owns."""
        owned = self.owned(self.topics.case_facts)
        for value in list(self.facts.values()):
            stored = decode_stored_facts(value)
            if stored.partition in owned:
                yield stored.facts.subject, stored.facts.state

    def _dead_letter_reasons(self) -> Iterator[str]:
        owned = self.owned(self.topics.dead_letter)
        for value in list(self.dead_letter_entries.values()):
            entry = decode_dead_letter_entry(value)
            if entry.partition in owned:
                yield entry.reason
