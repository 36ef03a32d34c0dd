"""Gatekeeping: the case aggregate, applying the Pathfinder rules to the canonical log.

Topics in:   {prefix}.case-events.v1        accepted events, keyed by case reference
             {prefix}-gatekeeping-ticks     the business date, sent to every partition
Topics out:  {prefix}.case-facts.v1         the whole case state with a growing version
             {prefix}.derived-events.v1     CirOrdered, IdvaReferralMade, FilingAssessed,
                                            CaseConcluded, CirDueSoon, CirOverdue
Table:       gatekeeping-cases              case reference -> state and applied event ids
Run:         faust -A services.gatekeeping.app worker -l info   (metrics on :9107/metrics)

A redelivered or duplicated event is recognised by its id and changes nothing; an alert carries
the due date it is about and is raised once per due date.
"""

import logging

import msgspec
from prometheus_client import CollectorRegistry, Counter

from services.bootstrap import build_rules
from services.config import Settings
from services.core.alerts import raise_alerts
from services.core.derived import CaseFacts, derived_events
from services.core.ledger import ACCEPTED, CaseLedger, receive
from services.core.validation import Rejection, Validator
from services.streaming.app import add_health_pages, make_app
from services.streaming.clock import BusinessClock
from services.streaming.ledgers import decode_ledger, encode_ledger, indexed
from services.streaming.ticks import PartitionIndex, send_ticks, tick_date
from services.topics import Topics

settings = Settings()
rules = build_rules(settings)
topics = Topics(settings.topic_prefix)
validate = Validator(rules.sites)
clock = BusinessClock(settings.clock)
logger = logging.getLogger(__name__)
encode = msgspec.json.Encoder().encode

registry = CollectorRegistry()
processed = Counter(
    "pathfinder_events_processed", "Messages taken by a service, by what became of them.",
    ["service", "outcome"], registry=registry,
)  # fmt: skip
alerts_raised = Counter(
    "pathfinder_alerts_raised", "CIR deadline alerts raised.", ["kind", "site"], registry=registry
)

app = make_app("gatekeeping", settings, default_metrics_port=9107)
add_health_pages(app, registry, lambda: bool(app.consumer.assignment()), "gatekeeping")

_raw = {"key_type": bytes, "value_type": bytes, "key_serializer": "raw", "value_serializer": "raw"}
ticks = app.topic(f"{settings.topic_prefix}-gatekeeping-ticks", internal=True, **_raw)
case_events = app.topic(topics.case_events, f"{settings.topic_prefix}-gatekeeping-ticks", **_raw)
case_facts = app.topic(topics.case_facts, **_raw)
derived = app.topic(topics.derived_events, **_raw)
cases = app.Table("gatekeeping-cases", default=None, key_type=bytes, value_type=bytes)
open_cirs = PartitionIndex()  # cases with a CIR ordered and not yet filed: what ticks look at


@app.agent(case_events)
async def gatekeep(stream):
    """Apply each accepted event once; publish what it derives and the case's new facts."""
    async for message in stream.events():
        partition = message.message.partition
        ticked = tick_date(dict(message.headers))
        try:
            if ticked is not None:
                clock.saw(ticked)
                await _raise_due_alerts(partition)
            else:
                await _apply(message.value, partition)
        except Exception:  # an agent that raises would skip the message silently
            source = message.message  # its position only: no case reference in the logs
            logger.exception(
                "gatekeeping could not process %s/%s/%s",
                source.topic,
                source.partition,
                source.offset,
            )


@app.timer(interval=settings.tick_seconds, on_leader=True)
async def tick() -> None:
    """Send the business date round the partitions, so deadlines are checked on every one."""
    today = clock.today()
    if today is not None:
        await send_ticks(ticks, settings.partitions, today)


async def _apply(raw: bytes, partition: int) -> None:
    event = validate(raw)
    if isinstance(event, Rejection):  # the canonical log holds only events intake accepted
        processed.labels("gatekeeping", "invalid").inc()
        logger.error("an event on the canonical log does not validate: %s", event.detail)
        return
    clock.saw(event.on)
    key = event.subject.encode()
    stored = cases.get(key)
    ledger = decode_ledger(stored, validate) if stored is not None else CaseLedger()
    outcomes = receive(ledger, event, None, rules)
    for outcome in outcomes:
        processed.labels("gatekeeping", outcome.kind).inc()
        if outcome.kind == ACCEPTED:
            for derived_event in derived_events(ledger.state, outcome.event):
                await derived.send(key=key, value=encode(derived_event))
    # Facts are sent even for a redelivered event: after a crash its facts may not have gone out,
    # and reporting keeps only a newer version, so sending them twice changes nothing.
    facts = CaseFacts(subject=event.subject, version=ledger.state.version, state=ledger.state)
    await case_facts.send(key=key, value=encode(facts))
    await _alert(ledger, event.subject)
    cases[key] = encode_ledger(ledger, partition)
    open_cirs.mark(partition, key, _cir_open(ledger))


async def _raise_due_alerts(partition: int) -> None:
    open_cirs.rebuild_once(lambda: indexed(cases.items(), validate, _cir_open))
    for key in open_cirs.keys(partition):
        ledger = decode_ledger(cases[key], validate)
        if await _alert(ledger, key.decode()):
            cases[key] = encode_ledger(ledger, partition)
        open_cirs.mark(partition, key, _cir_open(ledger))


async def _alert(ledger: CaseLedger, subject: str) -> bool:
    today = clock.today()
    if today is None:
        return False
    raised = raise_alerts(ledger.state, subject, today, rules.calendar)
    for alert in raised:
        alerts_raised.labels(alert.kind, alert.site).inc()
        message = {"type": alert.kind, **msgspec.to_builtins(alert)}
        del message["kind"]
        await derived.send(key=subject.encode(), value=encode(message))
    return bool(raised)


def _cir_open(ledger: CaseLedger) -> bool:
    state = ledger.state
    return state.ordered_on is not None and state.filed_on is None and state.concluded_on is None
