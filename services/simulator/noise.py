"""Noise: bad lines of every kind the processor rejects, each made from one of a case's events."""

import random

from services.simulator.case_spoilers import CASE_SPOILERS
from services.simulator.dates import MS_PER_HOUR
from services.simulator.envelopes import GeneratedEvent, random_id
from services.simulator.line_spoilers import LINE_SPOILERS
from services.simulator.lines import CONFLICT, Line, dumps
from services.simulator.spoiling import NoiseContext

SPOILERS = [*LINE_SPOILERS, *CASE_SPOILERS]


def noise_lines(
    events: list[GeneratedEvent], rng: random.Random, per_event: float, context: NoiseContext
) -> list[tuple[int, Line]]:
    """About `per_event` bad lines for each of a case's events, with the ms they arrive at."""
    whole, fraction = divmod(per_event, 1)
    issue = next(event for event in events if event.envelope["type"] == "ApplicationIssued")
    return [
        _bad_line(event, issue, rng, context)
        for event in events
        for _ in range(int(whole) + (rng.random() < fraction))
    ]


def _bad_line(
    event: GeneratedEvent, issue: GeneratedEvent, rng: random.Random, context: NoiseContext
) -> tuple[int, Line]:
    reason, spoil = rng.choice(SPOILERS)
    anchor = issue if reason == CONFLICT else event  # a conflict must find the case in place
    spoilt = spoil({**anchor.envelope, "id": random_id(rng)}, context)
    payload = spoilt if isinstance(spoilt, bytes) else dumps(spoilt)
    return anchor.arrival_ms + rng.randrange(1_000, 6 * MS_PER_HOUR), Line(reason, payload)
