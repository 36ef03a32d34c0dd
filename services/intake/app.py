"""Intake: validates, de-duplicates and holds inbound court events, then passes on what applies.

Topics in:   {prefix}.court-events.v1   CloudEvents JSON from publishers, keyed by case reference
Internal:    {prefix}-intake-by-case    the same bytes re-keyed by the `subject` inside them, so a
                                        case's ledger lives in one partition whatever partitioner
                                        the publisher's client used; also carries clock ticks
Topics out:  {prefix}.case-events.v1    accepted events, original bytes, in the order they apply
             {prefix}.dead-letter.v1    refused messages, byte for byte, with reason headers
Table:       intake-ledgers             case reference -> state, accepted ids, held messages
Run:         faust -A services.intake.app worker -l info      (metrics on :9106/metrics)
"""

import datetime as dt
import logging

from services.bootstrap import build_rules
from services.config import Settings
from services.core.ledger import ACCEPTED, DUPLICATE, HELD, CaseLedger, expire_held, receive
from services.core.routing import case_key
from services.core.validation import Rejection, Validator
from services.intake.handling import IntakeMetrics, dead_letter_headers
from services.streaming.app import add_health_pages, make_app
from services.streaming.clock import BusinessClock
from services.streaming.ledgers import Origin, decode_ledger, encode_ledger, indexed
from services.streaming.ticks import PartitionIndex, send_ticks, tick_date
from services.topics import Topics

settings = Settings()
rules = build_rules(settings)
topics = Topics(settings.topic_prefix)
validate = Validator(rules.sites)
clock = BusinessClock(settings.clock)
metrics = IntakeMetrics()

app = make_app("intake", settings, default_metrics_port=9106)
add_health_pages(app, metrics.registry, lambda: bool(app.consumer.assignment()), "intake")

_raw = {"key_type": bytes, "value_type": bytes, "key_serializer": "raw", "value_serializer": "raw"}
court_events = app.topic(topics.court_events, **_raw)
by_case = app.topic(f"{settings.topic_prefix}-intake-by-case", internal=True, **_raw)
case_events = app.topic(topics.case_events, **_raw)
dead_letter = app.topic(topics.dead_letter, **_raw)
ledgers = app.Table("intake-ledgers", default=None, key_type=bytes, value_type=bytes)
PROCESSING_ERROR = "processing_error"
logger = logging.getLogger(__name__)

waiting = PartitionIndex()  # cases with held messages: what a tick must look at


@app.agent(court_events)
async def route(stream):  # type: ignore[no-untyped-def]
    """Re-key every message by its case reference, keeping where it came from."""
    async for message in stream.events():
        source = message.message
        origin = f"{source.topic}/{source.partition}/{source.offset}".encode()
        key = case_key(message.value)
        await by_case.send(key=key, value=message.value, headers={"origin": origin})


@app.agent(by_case)
async def admit(stream):  # type: ignore[no-untyped-def]
    """Validate, de-duplicate, hold or apply; send on what applies and dead-letter the rest."""
    async for message in stream.events():
        headers = dict(message.headers)
        partition = message.message.partition
        ticked = tick_date(headers)
        if ticked is not None:
            clock.saw(ticked)
            await _expire(partition)
            continue
        origin = _origin(message.value, headers)
        try:
            await _admit(message.value, origin, partition)
        except Exception:  # an agent that raises skips the message: keep it, with the reason
            logger.exception("intake could not process a message; dead-lettering it")
            await _refuse(origin, Rejection(PROCESSING_ERROR, "intake failed on this message"))


@app.timer(interval=settings.tick_seconds, on_leader=True)
async def tick() -> None:
    """Send the business date to every partition, so held messages expire on every one."""
    today = clock.today()
    if today is not None:
        await send_ticks(by_case, settings.partitions, today)


def _origin(raw: bytes, headers: dict[str, bytes]) -> Origin:
    topic, partition, offset = headers["origin"].decode().rsplit("/", 2)
    received_on = clock.today() or dt.date.min
    return Origin(
        raw=raw, topic=topic, partition=int(partition), offset=int(offset), received_on=received_on
    )


async def _admit(raw: bytes, origin: Origin, partition: int) -> None:
    metrics.received.inc()
    checked = validate(raw)
    if isinstance(checked, Rejection):
        await _refuse(origin, checked)
        return
    clock.saw(checked.on)
    subject = checked.subject.encode()
    stored = ledgers.get(subject)
    ledger = decode_ledger(stored, validate) if stored is not None else CaseLedger()
    for outcome in receive(ledger, checked, origin, rules):
        await _settle(outcome.kind, outcome.token, outcome.rejection)
    ledgers[subject] = encode_ledger(ledger, partition)
    waiting.mark(partition, subject, bool(ledger.held))


async def _settle(kind: str, origin: Origin, rejection: Rejection | None) -> None:
    if kind == ACCEPTED:
        metrics.accepted.inc()
        await case_events.send(key=case_key(origin.raw), value=origin.raw)
    elif kind == DUPLICATE:
        metrics.duplicates.inc()
    elif kind != HELD:
        assert rejection is not None
        await _refuse(origin, rejection)


async def _refuse(origin: Origin, rejection: Rejection) -> None:
    metrics.dead_lettered.labels(rejection.reason).inc()
    headers = dead_letter_headers(origin, rejection)
    await dead_letter.send(key=case_key(origin.raw), value=origin.raw, headers=headers)


async def _expire(partition: int) -> None:
    """Dead-letter this partition's held messages that waited past the hold limit."""
    today = clock.today()
    if today is None:
        return
    waiting.rebuild_once(lambda: indexed(ledgers.items(), validate, lambda led: bool(led.held)))
    limit = dt.timedelta(days=settings.hold_limit_days)
    for subject in waiting.keys(partition):
        ledger = decode_ledger(ledgers[subject], validate)
        expired = expire_held(ledger, lambda held: today - held.token.received_on > limit)
        for outcome in expired:
            await _settle(outcome.kind, outcome.token, outcome.rejection)
        if expired:
            ledgers[subject] = encode_ledger(ledger, partition)
            waiting.mark(partition, subject, bool(ledger.held))
    metrics.held.set(sum(len(decode_ledger(ledgers[s], validate).held) for s in _all_waiting()))


def _all_waiting() -> list[bytes]:
    return [key for partition in range(settings.partitions) for key in waiting.keys(partition)]
