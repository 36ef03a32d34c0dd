"""What every spoiler works with: a good event's envelope, made into a line the processor
rejects, and the context some spoilers draw on."""

import datetime as dt
import itertools
from collections.abc import Callable
from typing import Any

from schemas.catalogue import BUSINESS_DATE_FIELD
from services.core.sites import SiteRegistry
from services.simulator.envelopes import Envelope, source_of


class NoiseContext:
    """The site registry, and case numbers no real case in the log has (with the log's reference
    prefix)."""

    def __init__(self, registry: SiteRegistry, first_orphan_number: int, prefix: str) -> None:
        self.registry = registry
        self.orphan_numbers = itertools.count(first_orphan_number)
        self.prefix = prefix


Spoiler = Callable[[Envelope, NoiseContext], Envelope | bytes]


def business_date(envelope: Envelope) -> dt.date:
    return envelope["data"][BUSINESS_DATE_FIELD[envelope["type"]]]  # type: ignore[no-any-return]


def recast(envelope: Envelope, event_type: str, publisher: str, **data: Any) -> Envelope:
    """The envelope made into another type of event, published by `publisher`."""
    source = source_of(publisher, envelope["site"])
    return {**envelope, "source": source, "type": event_type, "data": data}
