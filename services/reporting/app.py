"""Reporting: the pilot metrics, kept from the latest facts of every case, served to Prometheus.

Topics in:   {prefix}.case-facts.v1     the whole state of a case with a growing version
Table:       reporting-facts            case reference -> the newest facts seen
Serves:      /metrics (Prometheus text), /healthz, /readyz on :9108 (PATHFINDER_METRICS_PORT)
Run:         faust -A services.reporting.app worker -l info

A fact is kept only if its version is newer than the one held, so a redelivered or duplicated
message changes nothing; the figures are computed from the table when Prometheus scrapes.
"""

import datetime as dt

import msgspec
from prometheus_client import CollectorRegistry

from services.bootstrap import build_rules
from services.config import Settings
from services.core.case import CaseState
from services.core.derived import CaseFacts
from services.reporting.collector import PilotCollector
from services.streaming.app import add_health_pages, make_app
from services.topics import Topics

settings = Settings()
rules = build_rules(settings)
topics = Topics(settings.topic_prefix)
decode_facts = msgspec.json.Decoder(CaseFacts).decode

app = make_app("reporting", settings, default_metrics_port=9108)
_raw = {"key_type": bytes, "value_type": bytes, "key_serializer": "raw", "value_serializer": "raw"}
case_facts = app.topic(topics.case_facts, **_raw)
facts = app.Table("reporting-facts", default=None, key_type=bytes, value_type=bytes)


@app.agent(case_facts)
async def project(stream):
    """Keep the newest facts of each case."""
    async for message in stream.events():
        incoming = decode_facts(message.value)
        held = facts.get(message.key)
        if held is None or decode_facts(held).version < incoming.version:
            facts[message.key] = message.value


def _states() -> list[CaseState]:
    return [decode_facts(stored).state for stored in facts.values()]


def _as_of(states: list[CaseState]) -> dt.date | None:
    if settings.clock == "wall":
        return dt.date.today()
    dates = [state.last_on for state in states if state.last_on is not None]
    return max(dates, default=None)


registry = CollectorRegistry()
registry.register(PilotCollector(_states, rules.sites, _as_of, rules.calendar))
add_health_pages(app, registry, lambda: bool(app.consumer.assignment()), "reporting")
