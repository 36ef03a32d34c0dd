"""Publishing a fact: the CloudEvents envelope its system would send, stamped as that system
stamps its records."""

import datetime as dt
import random
import uuid
from typing import Any, NamedTuple

from services.simulator.dates import EPOCH, MS_PER_HOUR, uk_offset_hours, utc_midnight_ms
from services.simulator.draft import COURT, IDVA, LOCAL_AUTHORITY, Fact
from services.simulator.parameters import Parameters

Envelope = dict[str, Any]
_SOURCES = {
    COURT: "hmcts/prl-cos-api",
    "cafcass": "cafcass/childfirst",
    "cafcass_cymru": "cafcass-cymru/case-system",
}
_STAMPS_MILLISECONDS = {"cafcass"}  # ChildFirst stamps UTC to the millisecond; others local time


class GeneratedEvent(NamedTuple):
    arrival_ms: int  # when the publisher recorded it (the envelope's `time`), ms since the epoch
    envelope: Envelope


def publish(
    fact: Fact,
    subject: str,
    site_code: str,
    rng: random.Random,
    p: Parameters,
    not_before_ms: int,
) -> GeneratedEvent:
    """The fact as recorded in working hours on its day, after its publisher's lag, and no
    earlier than `not_before_ms`."""
    first_hour, last_hour = p.working_hours.value
    local_midnight = utc_midnight_ms(fact.on) - uk_offset_hours(fact.on) * MS_PER_HOUR
    recorded_ms = local_midnight + rng.randrange(first_hour * MS_PER_HOUR, last_hour * MS_PER_HOUR)
    recorded_ms += p.publisher_lag_hours.value[fact.publisher].draw_ms(rng)  # type: ignore[index]
    recorded_ms = max(recorded_ms, not_before_ms)
    if fact.publisher not in _STAMPS_MILLISECONDS:
        recorded_ms -= recorded_ms % 1000  # so the arrival order is the order of the stamps
    envelope = {
        "specversion": "1.0",
        "id": random_id(rng),
        "source": source_of(fact.publisher, site_code),
        "type": fact.type,
        "subject": subject,
        "time": _timestamp(recorded_ms, fact.publisher),
        "site": site_code,
        "datacontenttype": "application/json",
        "data": fact.data,
    }
    return GeneratedEvent(recorded_ms, envelope)


def random_id(rng: random.Random) -> str:
    """A version 4 UUID drawn from `rng`, so that ids are reproducible."""
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def source_of(publisher: str, site_code: str) -> str:
    """The CloudEvents `source` of a publishing system; local services are named per site."""
    if publisher in (LOCAL_AUTHORITY, IDVA):
        return f"{'la' if publisher == LOCAL_AUTHORITY else 'idva'}/{site_code}"
    return _SOURCES[publisher]


def _timestamp(utc_ms: int, publisher: str) -> str:
    utc = EPOCH + dt.timedelta(milliseconds=utc_ms)
    if publisher in _STAMPS_MILLISECONDS:
        return f"{utc.isoformat(timespec='milliseconds')}Z"
    offset = uk_offset_hours(utc)
    return f"{(utc + offset * dt.timedelta(hours=1)).isoformat(timespec='seconds')}+0{offset}:00"
