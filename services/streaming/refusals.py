"""Refusals: what a publisher is told about each of its messages intake refused.

Sent beside the dead letter (which keeps the bytes, for operators only), one per refused
inbound message, keyed by its CloudEvents `source` (see `services.core.refusals`). A refusal
sent again (a redelivery, a restart) has the same `id`, the refused message's source position.
Messages a worker failed on (`processing_error`) are not refusals: the fault is the system's, and
operators send them again once it is fixed (`pathfinder redrive`).
"""

import datetime as dt
from collections.abc import Awaitable, Callable
from typing import Any

from faust.types import TopicT

from services.core.refusals import encode_refusal, refusal
from services.core.validation import Rejection
from services.streaming.dead_letters import Position


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Refusals:
    """Sends the refusals of one worker's refused messages."""

    def __init__(self, topic: TopicT, now: Callable[[], dt.datetime] = _now) -> None:
        self.topic = topic
        self._now = now

    async def send(self, raw: bytes, rejection: Rejection, source: Position) -> Awaitable[Any]:
        """Tell the publisher of `raw` that it was refused and why; the acknowledgement to await."""
        key, notice = refusal(raw, rejection, *source, refused_at=self._now())
        return await self.topic.send(key=key, value=encode_refusal(notice))
